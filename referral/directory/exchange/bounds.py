"""Limits on what an uploaded HSDS file may be, checked before and while it is read.

A directory is small (hundreds of organisations); the bounds are far above any real
directory and far below what would exhaust the worker: a hostile or broken upload is
refused with a message the administrator can act on, and nothing is saved.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

MAX_DEPTH = 16  # an HSDS document nests organization > service > schedule ... about 5 deep
MAX_FIELD = 20_000  # characters in one value; the longest description is a few hundred
MAX_ROWS = 50_000  # rows of one table
MAX_FILES = 64  # members of a data package; HSDS defines about 25 tables
MAX_UNPACKED = 20 * 1024 * 1024  # bytes, all members together: a zip bomb stops here

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class FileRefused(ValueError):
    """The upload breaks a bound or cannot be read; `message` says which, translated."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def check_depth(data: bytes) -> None:
    """Refuse JSON nested deeper than MAX_DEPTH, before the parser recurses into it."""
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', data)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        if depth > MAX_DEPTH:
            raise FileRefused(_l("The file is nested too deeply to be an HSDS directory."))


def check_rows(table: str, rows: list[dict]) -> None:
    if len(rows) > MAX_ROWS:
        raise FileRefused(_l("The table %(t)s has more than %(n)d rows.", t=table, n=MAX_ROWS))
    for row in rows:
        for value in row.values():
            if isinstance(value, str) and len(value) > MAX_FIELD:
                raise FileRefused(field_too_long())


def field_too_long():
    return _l("A value in the file is longer than %(n)d characters.", n=MAX_FIELD)


def too_many_files():
    return _l("The package holds more than %(n)d files.", n=MAX_FILES)


def too_large():
    return _l("The package unpacks to more than %(n)d MB.", n=MAX_UNPACKED // (1024 * 1024))
