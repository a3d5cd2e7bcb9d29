"""xlkit: spreadsheet-native tools for following students' learning and well-being."""

__version__ = "0.1.0"
