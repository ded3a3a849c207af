"""The probes: public, for everyone, signed in or not."""

from tests.access.matrix import OK, ROLES, Entry

EVERYONE = {role: OK for role in ROLES}
ENTRIES = [
    Entry("ops.healthz", "/healthz", EVERYONE),
    Entry("ops.readyz", "/readyz", EVERYONE),
]
