"""Errors a user can act on.

Every user-facing failure is a :class:`DatacardError`: one line that says what happened, where
(file, row, column) and how to fix it. The CLI prints ``str(error)`` and exits with code 2.

>>> str(SourceError("ragged row", where="data/a.csv:12", hint="fix the row or pass --delimiter"))
'data/a.csv:12: ragged row (fix the row or pass --delimiter)'
"""

from __future__ import annotations


class DatacardError(Exception):
    """Base of every error datacard raises on purpose (exit code 2 in the CLI)."""

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return " ".join(text.split("\n"))


class SourceError(DatacardError):
    """The data could not be read as it claims to be (format, encoding, structure)."""


class CardError(DatacardError):
    """The card file is malformed, unsafe or inconsistent."""


class UsageError(DatacardError):
    """The command line or API call is wrong."""


class LockTimeout(DatacardError):
    """Another process holds the card's lock for longer than we may wait."""


class MissingDependency(DatacardError):
    """An optional extra is needed for this feature."""

    def __init__(self, package: str, extra: str, feature: str) -> None:
        super().__init__(
            f"{feature} needs the '{package}' package",
            hint=f"install it with: pip install 'datacard[{extra}]'",
        )
