"""The provider's endpoints: the inbox and every step a provider takes on a referral,
x every role x referral scope (addressed to me, to another organisation, withdrawn,
completed, on an erased case, missing). Only provider focal points hold the inbox
permission (403 for every other role); a referral not addressed to their organisation,
or gone with its erased case, answers 404; a step the referral's status does not allow
answers 422 with the message, which proves the request reached the view."""

from __future__ import annotations

import tests.access.referrals  # noqa: F401  (registers the referral builders)
from tests.access.matrix import NOT_FOUND, OK, REDIRECT, Entry, only
from tests.access.referrals import referral_url

SCOPES = ("to_me", "to_other", "withdrawn", "completed", "erased", "missing")
INVALID = 422


def _data(scope: str, **fields):
    def data(world):
        version = 1
        if scope not in ("missing", "erased"):
            version = world.get(f"{scope}_referral").lock_version
        return {"lock_version": str(version), **fields}

    return data


def _provider(scope: str, *, to_me=REDIRECT, closed=INVALID) -> dict:
    """The provider's answer per scope: `to_me` on the open referral addressed to them,
    `closed` on their withdrawn or completed one, 404 elsewhere."""
    status = {
        "to_me": to_me,
        "withdrawn": closed,
        "completed": closed,
        "to_other": NOT_FOUND,
        "erased": NOT_FOUND,
        "missing": NOT_FOUND,
    }[scope]
    return {"provider": status}


# (endpoint, path, expectation on to_me, on a closed one, extra form fields)
STEPS = (
    ("referrals.provider_acknowledge", "/provider/acknowledge", REDIRECT, INVALID, {}),
    ("referrals.provider_accept", "/provider/accept", REDIRECT, INVALID, {}),
    (
        "referrals.provider_decline",
        "/provider/decline",
        REDIRECT,
        INVALID,
        {"decline_reason": "service_unavailable"},
    ),
    # A sent referral has no appointment, service or completion yet: refused, 422.
    (
        "referrals.provider_appointment",
        "/provider/appointment",
        INVALID,
        INVALID,
        {"appointment_date": "2099-01-02", "appointment_time": "10:00"},
    ),
    ("referrals.provider_provided", "/provider/provided", INVALID, INVALID, {}),
    ("referrals.provider_complete", "/provider/complete", INVALID, INVALID, {}),
    (
        "referrals.provider_feedback",
        "/provider/feedback",
        REDIRECT,
        INVALID,
        {"service_given": "First consultation held."},
    ),
    # The provider's notes stay theirs after the referral closes.
    ("referrals.provider_notes", "/provider/notes", REDIRECT, REDIRECT, {"notes": "Call back."}),
)

ENTRIES = [Entry("referrals.inbox", "/referrals/inbox", only({"provider": OK}))]
for _scope in SCOPES:
    for _endpoint, _path, _to_me, _closed, _fields in STEPS:
        ENTRIES.append(
            Entry(
                _endpoint,
                referral_url(_scope, _path),
                only(_provider(_scope, to_me=_to_me, closed=_closed), method="POST"),
                method="POST",
                scope=_scope,
                data=_data(_scope, **_fields),
            )
        )
ENTRIES.append(
    Entry(
        "referrals.inbox",
        "/referrals/inbox?status=overdue&after=o.zz.not-a-cursor",
        only({"provider": OK}),
        scope="odd-filter",
    )
)
