"""One module per template kind, each with build() and read(); found by the kind stored
in a workbook's metadata."""

from __future__ import annotations

from types import ModuleType

from xlkit.errors import InvalidWorkbook
from xlkit.templates import aarshjul, elevvurdering, overblik

TEMPLATES: dict[str, ModuleType] = {
    elevvurdering.KIND: elevvurdering, overblik.KIND: overblik, aarshjul.KIND: aarshjul,
}


def template_for(kind: str) -> ModuleType:
    try:
        return TEMPLATES[kind]
    except (KeyError, TypeError):
        raise InvalidWorkbook(f"Ukendt skabelontype '{kind}'; filen er måske lavet med en nyere xlkit.") from None
