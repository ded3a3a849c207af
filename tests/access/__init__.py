"""The access matrix: every endpoint x every role (and anonymous) x object scope.

Each domain adds a module here with `ENTRIES` (and `@builder`s for the objects its
URLs need); tests/access/test_matrix.py collects them all.
"""
