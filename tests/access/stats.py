"""Statistics: every role with STATS_VIEW sees the figures of its own scope; the auditor
has none (403). The monthly report is for administrators (national) and committee
members (their area) only: the other roles with statistics get 403 there.
Scopes of the `area` filter: `own_area` (a rayon of the committee
member's committee), `other_area` (another rayon: outside the committee's scope, a
valid filter for every other role), `village` (finer than a rayon: refused to all),
`missing` (no such location)."""

from __future__ import annotations

from referral.directory.models import LocationLevel
from tests import factories
from tests.access.matrix import FORBIDDEN, NOT_FOUND, OK, Entry, builder, only

MISSING = "00000000-0000-0000-0000-000000000000"
VIEWERS = ("caseworker", "supervisor", "provider", "committee_member", "admin")


@builder("stats:areas")
def _areas(world):
    own = factories.LocationFactory(level=LocationLevel.RAYON)
    other = factories.LocationFactory(level=LocationLevel.RAYON)
    village = factories.LocationFactory(level=LocationLevel.VILLAGE, parent_id=own.id)
    committee = factories.CommitteeFactory(areas=[own])
    factories.CommitteeMemberFactory(
        committee=committee, user=world.users["committee_member"], full_name=""
    )
    return {"own_area": own.id, "other_area": other.id, "village": village.id}


def _url(path: str, scope: str):
    if scope == "missing":
        return f"{path}?area={MISSING}"
    return lambda world: f"{path}?area={world.get('stats:areas')[scope]}"


def _expect(scope: str) -> dict:
    if scope in ("village", "missing"):
        return only({role: NOT_FOUND for role in VIEWERS}, otherwise=FORBIDDEN)
    allowed = {role: OK for role in VIEWERS}
    if scope == "other_area":
        allowed["committee_member"] = NOT_FOUND
    return only(allowed, otherwise=FORBIDDEN)


ENTRIES = []
for endpoint, path in (
    ("stats.dashboard", "/stats/"),
    ("stats.export_csv", "/stats/export.csv"),
    ("stats.export_xlsx", "/stats/export.xlsx"),
):
    ENTRIES.append(Entry(endpoint, path, only({r: OK for r in VIEWERS}), scope="whole"))
    for scope in ("own_area", "other_area", "village", "missing"):
        ENTRIES.append(Entry(endpoint, _url(path, scope), _expect(scope), scope=scope))


REPORTERS = ("committee_member", "admin")


def _expect_report(scope: str) -> dict:
    if scope in ("village", "missing"):
        return only({role: NOT_FOUND for role in REPORTERS}, otherwise=FORBIDDEN)
    allowed = {role: OK for role in REPORTERS}
    if scope == "other_area":
        allowed["committee_member"] = NOT_FOUND
    return only(allowed, otherwise=FORBIDDEN)


for endpoint, path in (
    ("stats.monthly_report", "/stats/monthly"),
    ("stats.monthly_xlsx", "/stats/monthly.xlsx"),
):
    ENTRIES.append(Entry(endpoint, path, only({r: OK for r in REPORTERS}), scope="whole"))
    for scope in ("own_area", "other_area", "village", "missing"):
        ENTRIES.append(Entry(endpoint, _url(path, scope), _expect_report(scope), scope=scope))
