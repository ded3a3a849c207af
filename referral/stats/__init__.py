"""Anonymised statistics: read-only aggregates with disclosure control; no models of
its own, no path to an encrypted field (docs/statistics.md)."""
