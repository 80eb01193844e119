"""Three per-cell costs in Unfold's changelist rendering, paid once per page instead.

Measured with cProfile on 50-row lists at a million rows (profit opportunities, 12
columns; price sources, 8), where the database part of a page takes 10-30 ms:

- ``items_for_result`` calls ``result_headers(cl)`` for every row, rebuilding every
  column's sort links: ~60 ms a page (profit opportunities went from 87 to 66 ms a page
  without the profiler). The headers depend on the changelist only.
- Boolean cells render ``unfold/helpers/boolean.html`` through the template engine:
  0.25 ms a cell. The output depends on the value (True, False or None) and the language.
- The row checkbox renders a form widget template: 0.6 ms a row (our base admin renders
  it once and fills in the primary key, see ``SoleflipAdmin.action_checkbox``).

The patches replace module attributes the templatetags look up at call time, keep the
original as ``__wrapped__`` and are installed once; tests compare their output with
Unfold's own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.utils import translation
from unfold import utils as unfold_utils
from unfold.templatetags import unfold_list


def _headers_once_per_list(result_headers: Callable[[Any], Any]) -> Callable[[Any], list[Any]]:
    @functools.wraps(result_headers)
    def cached(cl: Any) -> list[Any]:
        headers = cl.__dict__.get("_soleflip_headers")
        if headers is None:
            headers = cl._soleflip_headers = list(result_headers(cl))
        return headers

    return cached


def _boolean_icon_once(boolean_icon: Callable[[Any], str]) -> Callable[[Any], str]:
    rendered: dict[tuple[str | None, Any], str] = {}

    @functools.wraps(boolean_icon)
    def cached(value: Any) -> str:
        if value is not None and not isinstance(value, bool):
            return boolean_icon(value)
        key = (translation.get_language(), value)  # the icon's title is translated
        if key not in rendered:
            rendered[key] = boolean_icon(value)
        return rendered[key]

    return cached


def install() -> None:
    if not hasattr(unfold_list.result_headers, "__wrapped__"):
        unfold_list.result_headers = _headers_once_per_list(unfold_list.result_headers)
    if not hasattr(unfold_utils._boolean_icon, "__wrapped__"):
        unfold_utils._boolean_icon = _boolean_icon_once(unfold_utils._boolean_icon)
