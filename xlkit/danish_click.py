"""Danish for click's own texts (usage lines, headings, usage errors).

click marks its strings for gettext and looks them up through a module-level `_` in each
of its modules; routing that lookup through this table is the least code that gives a
teacher 'Brug:' and 'Mangler tilvalget' instead of English. Unknown strings pass through.
"""

from __future__ import annotations

import importlib

DANISH = {
    "Usage:": "Brug:",
    "Options": "Tilvalg",
    "Commands": "Kommandoer",
    "Show this message and exit.": "Vis denne hjælp og afslut.",
    "Show the version and exit.": "Vis versionen og afslut.",
    "Error: {message}": "Fejl: {message}",
    "Try '{command} {option}' for help.": "Skriv '{command} {option}' for at få hjælp.",
    "Missing argument": "Mangler argumentet",
    "Missing option": "Mangler tilvalget",
    "Missing parameter": "Mangler parameteren",
    "Missing command.": "Mangler en kommando.",
    "No such command {name!r}.": "Kommandoen {name!r} findes ikke.",
    "No such option {name!r}.": "Tilvalget {name!r} findes ikke.",
    "Option {name!r} does not take a value.": "Tilvalget {name!r} skal ikke have en værdi.",
    "Invalid value for {param_hint}: {message}": "Ugyldig værdi for {param_hint}: {message}",
    "Invalid value: {message}": "Ugyldig værdi: {message}",
    "{value!r} is not a valid {number_type}.": "{value!r} er ikke et gyldigt {number_type}.",
    "{value} is not in the range {range}.": "{value} skal være {range}.",
    "{value!r} is not a valid integer.": "{value!r} er ikke et helt tal.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} findes ikke.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} er en mappe.",
    "{name} {filename!r} is a file.": "{name} {filename!r} er en fil.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} kan ikke læses.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} kan ikke skrives.",
    "default: {default}": "standard: {default}",
    "required": "skal angives",
    "directory": "mappe",
    "file": "fil",
    "path": "sti",
    "Aborted!": "Afbrudt!",
    "Repeat for confirmation": "Gentag for at bekræfte",  # prompts (found in review)
    "Error: The two entered values do not match.": "Fejl: De to indtastninger er ikke ens.",
    "Error: invalid input": "Fejl: ugyldigt svar",
}

CLICK_MODULES = ("core", "exceptions", "formatting", "types", "decorators", "parser", "termui")


def translate(message: str) -> str:
    return DANISH.get(message, message)


def install() -> None:
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if callable(getattr(module, "_", None)):
            module._ = translate
