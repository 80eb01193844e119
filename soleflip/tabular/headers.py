"""Header checks: duplicate, missing and unknown columns, and columns whose values fit another column."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence

from soleflip.tabular.errors import RowError

# --------------------------------------------------------------------------- header checks


def normalize_header(name: str) -> str:
    """Strip BOMs and surrounding whitespace and collapse inner whitespace runs; case is kept."""
    return " ".join(name.replace("\ufeff", "").split())


def _quoted_list(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def check_header(
    header: Sequence[str],
    required: Iterable[str],
    optional: Iterable[str] = (),
    *,
    file: str = "",
    line: int | None = 1,
    allow_unknown: bool = True,
) -> list[RowError]:
    """Return problems with ``header``: duplicate names, missing required and (optionally) unknown columns.

    Names are compared exactly (after ``normalize_header``); a column that differs only in
    case is pointed out in the message rather than accepted.
    """
    errors: list[RowError] = []
    names = [normalize_header(column) for column in header]
    positions: dict[str, list[int]] = {}
    for index, column in enumerate(names, start=1):
        if column:
            positions.setdefault(column, []).append(index)
    for column, where in positions.items():
        if len(where) > 1:
            columns = ", ".join(str(position) for position in where)
            errors.append(RowError(file, line, column, f'duplicate header name "{column}" (columns {columns})'))

    required_list = list(dict.fromkeys(required))
    optional_list = [column for column in dict.fromkeys(optional) if column not in required_list]
    present = set(positions)
    missing = [column for column in required_list if column not in present]
    if missing:
        by_folded = {column.casefold(): column for column in present}
        hints = [
            f'"{by_folded[column.casefold()]}" differs from "{column}" only in case'
            for column in missing
            if column.casefold() in by_folded
        ]
        plural = "s" if len(missing) > 1 else ""
        message = (
            f"missing required column{plural} {_quoted_list(missing)}; expected headers: {_quoted_list(required_list)}"
        )
        if optional_list:
            message += f" (optional: {_quoted_list(optional_list)})"
        if hints:
            message += "; " + "; ".join(hints)
        errors.append(RowError(file, line, None, message))
    if not allow_unknown:
        known = set(required_list) | set(optional_list)
        unknown = [column for column in positions if column not in known]
        if unknown:
            plural = "s" if len(unknown) > 1 else ""
            known_list = _quoted_list([*required_list, *optional_list])
            message = f"unknown column{plural} {_quoted_list(unknown)}; known: {known_list}"
            errors.append(RowError(file, line, None, message))
    return errors


def _fits(validator: Callable[[str], object], value: str) -> bool:
    try:
        return validator(value) is not False
    except ValueError:
        return False


def check_columns_match(
    rows: Iterable[Mapping[str, str]],
    validators: Mapping[str, Callable[[str], object]],
    *,
    file: str = "",
    sample_size: int = 100,
    max_bad_share: float = 0.5,
    min_values: int = 3,
) -> list[RowError]:
    """Report columns whose values mostly fail their validator: the header does not match the columns.

    A validator takes the stripped, non-empty cell text and fails by raising ``ValueError`` or
    returning ``False`` (so both ``parse_date`` and ``looks_like_text`` work). Empty cells are
    not counted: scraped files leave dates empty. A column is reported when at least
    ``min_values`` values were tested and more than ``max_bad_share`` of them fail; the message
    says which other validated column the values would fit, if any. Give it a sample such as
    ``reader.peek(100)``; rows without a ``line`` attribute are reported without one.
    """
    sample = list(itertools.islice(rows, sample_size))
    values: dict[str, list[tuple[int | None, str]]] = {column: [] for column in validators}
    for row in sample:
        for column in validators:
            text = (row.get(column) or "").strip()
            if text:
                values[column].append((getattr(row, "line", None), text))
    errors: list[RowError] = []
    for column, validator in validators.items():
        tested = values[column]
        if len(tested) < min_values:
            continue
        bad = [(line, text) for line, text in tested if not _fits(validator, text)]
        if len(bad) <= max_bad_share * len(tested):
            continue
        first_line, first_text = bad[0]
        message = f'{len(bad)} of {len(tested)} sampled values do not fit this column (such as "{first_text}")'
        fits_elsewhere = [
            other
            for other, other_validator in validators.items()
            if other != column and sum(_fits(other_validator, text) for _, text in bad) > (1 - max_bad_share) * len(bad)
        ]
        if fits_elsewhere:
            message += f"; they look like {_quoted_list(fits_elsewhere)} values"
        message += ": does the header match the columns?"
        errors.append(RowError(file, first_line, column, message))
    return errors
