"""`flask cases ...`: operator commands of the case file. Thin: parse, call a service,
commit once."""

from flask.cli import AppGroup

cases_cli = AppGroup("cases", help="Case-file operations (retention).")
