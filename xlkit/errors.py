"""The small exception tree for 'cannot continue'. Problems that can be worked around are
data (see problems.py), not exceptions."""

from __future__ import annotations


class XlkitError(Exception):
    """Base of every error xlkit raises on purpose; the message is Danish."""


class SpecError(XlkitError):
    """A template spec is missing, unreadable or invalid; lists every fault found."""

    def __init__(self, path: str, faults: list[str], what: str = "skabelonbeskrivelsen"):
        self.path = path
        self.faults = faults
        lines = "\n".join(f"  - {fault}" for fault in faults)
        super().__init__(f"Fejl i {what} {path}:\n{lines}")


class RosterError(XlkitError):
    """The class list (elevliste) cannot be used."""


class InvalidWorkbook(XlkitError):
    """A workbook cannot be read at all (damaged, not an xlsx, not from xlkit ...)."""


# The same two answers for a password-protected .xlsx and .ods
PASSWORD_NEEDED = "Filen er beskyttet med adgangskode. Kør igen med --password, eller gem den uden adgangskode."
WRONG_PASSWORD = "Adgangskoden passer ikke til filen."


class PasswordNeeded(InvalidWorkbook):
    """The workbook is password-protected and no password was given (commands without a
    --password option say something else)."""

    def __init__(self) -> None:
        super().__init__(PASSWORD_NEEDED)
