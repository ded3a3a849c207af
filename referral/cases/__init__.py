"""Survivor cases: intake, the case record and its encrypted fields, erasure."""
