"""What a file or a row can be refused with: a located row error, a rejected file, a bad value."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class RowError:
    """One problem in an input file, located as precisely as it is known."""

    file: str
    line: int | None
    column: str | None
    message: str

    def location(self) -> str:
        """Return ``feed.csv, line 17, column "ean"`` with the parts that are known."""
        parts = [self.file] if self.file else []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f'column "{self.column}"')
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class FileRejected(Exception):
    """The whole file cannot be imported; ``errors`` holds the located problems found so far."""

    def __init__(self, file: str, message: str, errors: Iterable[RowError] = ()) -> None:
        self.file = file
        self.message = message
        self.errors = list(errors)
        super().__init__(file, message, self.errors)

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


class InvalidValue(ValueError):
    """A cell's text cannot be read as the requested type; the message is meant for people."""


class InvalidAmount(InvalidValue):
    """The text is not a money amount."""


class InvalidDate(InvalidValue):
    """The text is not a date or a date and time."""


class InvalidBoolean(InvalidValue):
    """The text is not a yes/no value."""


class InvalidInteger(InvalidValue):
    """The text is not a whole number."""


class _ReadFailed(Exception):
    """The compressed container broke while streaming."""
