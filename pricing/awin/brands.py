"""A feed row's brand and style code: what finds (or creates) its product in the catalog.

Pure Python, no database access: the importer loads the catalog's brands into a
``BrandBook``; the reader asks it for each row's brand slug and reads the row's style code
with ``style_code_of``. The rules are in docs/imports/awin.md, "Matching a row to its variant".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.text import slugify

STYLE_CODE_MAX = 50  # products.style_code
_STYLE_SUFFIX = re.compile(r"[A-Z0-9]{2,}(?:[-.][A-Z0-9]{2,4})?")


class BrandBook:
    """Map a feed's brand_name to the slug of a catalog brand: an existing one, else a new slug.

    Existing brands are matched by slug or by name without regard to case (``ASICS`` and
    ``Asics`` are one brand); a new brand's slug is ``slugify(name)``, which is also what the
    size charts are keyed by (``new-balance``).
    """

    def __init__(self, brands: Iterable[tuple[str, str]]) -> None:
        self._slugs: dict[str, str] = {}
        for name, slug in brands:
            self._slugs.setdefault(slug, slug)
            self._slugs.setdefault(name.casefold(), slug)
        self._cache: dict[str, str] = {}

    def slug(self, name: str) -> str:
        """Return the slug for a brand name; empty for a blank name."""
        slug = self._cache.get(name)
        if slug is None:
            new = slugify(name)[:100]
            slug = self._slugs.get(name.casefold()) or self._slugs.get(new) or new
            self._cache[name] = slug
        return slug


def style_code_of(mpn: str, description: str) -> str:
    """Return a row's style code: ``mpn``, else one the merchant appends to the description.

    size? and other JD group feeds leave ``mpn`` empty and end the description with
    ``| DD1391-100``. That tail is taken only when it looks like a style code (capitals and
    digits, at least one digit, an optional ``-`` or ``.`` part), so a sentence never becomes
    one. Codes are kept upper case with single spaces; products are matched on that form.
    """
    code = " ".join(mpn.split()).upper()
    if code:
        return code if len(code) <= STYLE_CODE_MAX else ""
    _head, bar, tail = description.rpartition("|")
    if not bar:
        return ""
    tail = tail.strip().rstrip("_.-")
    if 5 <= len(tail) <= 20 and _STYLE_SUFFIX.fullmatch(tail) and any(char.isdigit() for char in tail):
        return tail
    return ""
