"""Referral scopes for the access matrix. The world's provider is a focal point of the
world's police organisation; every referral here is of a case of the world's caseworker.

- `to_me_referral`: sent to the world's police organisation (open);
- `to_other_referral`: sent to another police organisation;
- `withdrawn_referral`, `completed_referral`: addressed to the world's police, finished;
- `erased_referral`: addressed to the world's police, on a case since erased.
"""

from __future__ import annotations

from referral.auth.permissions import Role
from referral.cases import service as cases
from referral.cases.models import ErasureReason
from referral.directory.models import OrganisationType
from referral.extensions import db
from referral.referrals import service
from referral.referrals.models import ReferralStatus
from tests import factories
from tests.access.matrix import builder
from tests.helpers import refer

MISSING = "00000000-0000-0000-0000-000000000000"
REFERRAL_SCOPES = ("to_me", "to_other", "withdrawn", "completed", "erased")


def send(world, org, name="Aigul Referred", *, paper=False):
    """A new case of the world's caseworker, consented and referred to `org`'s police."""
    worker = world.users["caseworker"]
    case = cases.open_case(worker, cases.CaseInput(full_name=name, phone="0555 321 654"))
    db.session.flush()
    return refer(worker, case, org.id, on_paper=paper)


@builder("to_me_referral")
def _to_me(world):
    return send(world, world.orgs["police"])


@builder("to_other_referral")
def _to_other(world):
    return send(world, factories.OrganisationFactory(org_type=OrganisationType.POLICE))


@builder("withdrawn_referral")
def _withdrawn(world):
    referral = send(world, world.orgs["police"])
    service.withdraw_referral(world.users["caseworker"], referral, referral.lock_version)
    db.session.flush()
    return referral


@builder("completed_referral")
def _completed(world):
    referral = send(world, world.orgs["police"])
    officer = world.users["provider"]
    for step in (ReferralStatus.ACCEPTED, ReferralStatus.SERVICE_PROVIDED):
        service.provider_step(officer, referral, step, referral.lock_version)
        db.session.flush()
    service.provider_step(officer, referral, ReferralStatus.COMPLETED, referral.lock_version)
    db.session.flush()
    return referral


@builder("erased_referral")
def _erased(world):
    referral = send(world, world.orgs["police"])
    cases.erase_case(world.users["supervisor"], referral.case, ErasureReason.SAFETY)
    db.session.flush()
    return referral


def referral_url(scope: str, suffix: str = ""):
    def url(world):
        if scope == "missing":
            return f"/referrals/{MISSING}{suffix}"
        return f"/referrals/{world.get(scope + '_referral').id}{suffix}"

    return url


ENTRIES: list = []  # the endpoint modules (referrals_*.py) add theirs
assert Role.PROVIDER
