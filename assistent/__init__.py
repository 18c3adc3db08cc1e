"""Opvoedassistent: vind de juiste lokale opvoedondersteuning, offline."""

__version__ = "0.1.0"
