"""Spreadsheet formula escaping for every file a person opens: exports and error reports."""

from __future__ import annotations

import re
from typing import TypeVar, overload

# --------------------------------------------------------------------------- exports

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_T = TypeVar("_T")


@overload
def escape_formula(value: str, *, numeric: bool = False) -> str: ...
@overload
def escape_formula(value: _T, *, numeric: bool = False) -> _T: ...
def escape_formula(value: object, *, numeric: bool = False) -> object:
    """Prefix ``'`` to text a spreadsheet would run as a formula (starting ``= + - @``, tab or CR).

    In a ``numeric`` column a plain number such as ``-12.5`` is left alone so it stays a
    number; anything else starting that way is still escaped. Non-text values pass through.
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_TRIGGERS):
        return value
    if numeric and _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value
