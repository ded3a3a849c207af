"""Anonymised statistics: aggregates with disclosure control, read from facts tables
that hold plain codes only (no path to an encrypted field; docs/statistics.md)."""
