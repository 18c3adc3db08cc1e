"""Beheer: spreadsheet and HSDS exchange, the municipality report and `assistent eval`."""
