"""The small exception tree for 'cannot continue'. Problems that can be worked around are
data (see problems.py), not exceptions."""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

T = TypeVar("T")


class XlkitError(Exception):
    """Base of every error xlkit raises on purpose; the message is Danish."""


class SpecError(XlkitError):
    """A template spec is missing, unreadable or invalid; lists every fault found."""

    def __init__(self, path: str, faults: list[str], what: str = "skabelonbeskrivelsen"):
        self.path = path
        self.faults = faults
        self.what = what
        lines = "\n".join(f"  - {fault}" for fault in faults)
        super().__init__(f"Kan ikke bruge {what} {path}:\n{lines}")

    def __reduce__(self):  # sent back from the process that read the file (isolated.py)
        return type(self), (self.path, self.faults, self.what)


class RosterError(XlkitError):
    """The class list (elevliste) cannot be used."""


class InvalidWorkbook(XlkitError):
    """A workbook cannot be read at all (damaged, not an xlsx, not from xlkit ...)."""


class XlkitOutput(InvalidWorkbook):
    """A file xlkit wrote itself (a summary, the xlwings showcase), not a class workbook:
    left out without counting as a problem (review: the demo folder's own summary was
    'not made with xlkit')."""


# The same two answers for a password-protected .xlsx and .ods
PASSWORD_NEEDED = "Filen er beskyttet med adgangskode. Kør igen med --password, eller gem den uden adgangskode."
WRONG_PASSWORD = "Adgangskoden passer ikke til filen."
DAMAGED_BEHIND_PASSWORD = "Adgangskoden passer, men filens krypterede indhold er beskadiget."


class WrongPassword(InvalidWorkbook):
    """The password given does not open the workbook (the next one may)."""

    def __init__(self, message: str = WRONG_PASSWORD) -> None:
        super().__init__(message)


class PasswordNeeded(InvalidWorkbook):
    """The workbook is password-protected and no password was given (commands without a
    --password option say something else)."""

    def __init__(self) -> None:
        super().__init__(PASSWORD_NEEDED)

    def __reduce__(self):
        return type(self), ()


MAX_PASSWORDS = 20  # each wrong one costs a protected file a key derivation (up to ~0.5 s)


def password_list(passwords: Sequence[str]) -> tuple[str, ...]:
    """The passwords to try, in order and without repeats. One string is refused: it would
    be tried letter by letter."""
    if isinstance(passwords, str):
        raise TypeError("passwords must be a sequence of passwords, not one string")
    return tuple(dict.fromkeys(passwords))


def opened_with_first_fitting(passwords: Sequence[str], open_with: Callable[[str], T]) -> T:
    """open_with(password) for the first of the passwords that opens the file: a leader
    collects workbooks from teachers who chose different passwords."""
    passwords = password_list(passwords)
    if not passwords:
        raise PasswordNeeded()
    for password in passwords:
        try:
            return open_with(password)
        except WrongPassword as error:
            wrong = error
    if len(passwords) == 1:
        raise wrong
    raise WrongPassword(f"Ingen af de {len(passwords)} adgangskoder passer til filen.")
