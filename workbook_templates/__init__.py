"""Template specs shipped with xlkit (YAML). Installed as xlkit.workbook_templates."""
