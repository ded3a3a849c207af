"""Demo referrals, so that each provider's inbox and the caseworker's case page show the
pathway at work: Aigul's case is referred to the police (accepted, with feedback) and to
the psychologist (waiting for an answer); Bermet's, whose incident was yesterday, to the
family medicine centre for PEP, immediately."""

from __future__ import annotations

from sqlalchemy import func, select

from referral.auth.models import User
from referral.cases.models import Case
from referral.directory.models import ServiceType
from referral.extensions import db
from referral.referrals import service
from referral.referrals.models import Referral, ReferralStatus, Urgency

# (case number in the caseworker's demo list, provider username, service type, urgency,
# items, summary, steps the provider takes)
DEMO_REFERRALS = [
    (
        0,
        "police",
        ServiceType.POLICE_INTERNAL_AFFAIRS,
        Urgency.URGENT,
        (
            "name",
            "safe_contact",
            "address",
            "incident_type",
            "incident_date",
            "perpetrator_name",
            "perpetrator_relationship",
            "risk",
        ),
        "Her husband beat her and threatens to kill her; she asks for a temporary "
        "protection order. Call by text message only, after 18:00.",
        (ReferralStatus.ACCEPTED,),
    ),
    (
        0,
        "psychologist",
        ServiceType.PSYCHOLOGIST_COUNSELLING,
        Urgency.ROUTINE,
        ("name", "age", "safe_contact", "incident_type", "risk", "psychosocial_needs"),
        "She and her two children need counselling; she prefers a woman psychologist.",
        (),
    ),
    (
        1,
        "health",
        ServiceType.HEALTH_SEXUAL_REPRODUCTIVE,
        Urgency.IMMEDIATE,
        ("name", "age", "sex", "incident_type", "incident_time_windows", "risk"),
        "Raped yesterday evening: PEP and emergency contraception within the windows, "
        "please. She will come with a caseworker.",
        (),
    ),
]


def seed(caseworker: str = "caseworker") -> int:
    """Send the demo referrals once (none while the caseworker already has any)."""
    user = db.session.execute(select(User).where(User.username == caseworker)).scalar_one_or_none()
    if user is None:
        return 0
    already = db.session.execute(
        select(func.count()).select_from(Referral).where(Referral.from_user_id == user.id)
    ).scalar_one()
    if already:
        return 0
    cases = list(
        db.session.execute(
            select(Case).where(Case.owner_id == user.id).order_by(Case.created_at, Case.case_code)
        ).scalars()
    )
    providers = {
        u.username: u
        for u in db.session.execute(
            select(User).where(User.username.in_({r[1] for r in DEMO_REFERRALS}))
        ).scalars()
    }
    sent = 0
    for number, username, service_type, urgency, items, summary, steps in DEMO_REFERRALS:
        provider = providers.get(username)
        if provider is None or number >= len(cases):
            continue
        referral = service.send_referral(
            user,
            cases[number],
            service.ReferralInput(
                to_org_id=provider.organisation_id,
                service_type=service_type,
                urgency=urgency,
                shared_items=items,
                summary=summary,
            ),
        )
        db.session.flush()
        for step in steps:
            service.provider_step(
                provider,
                referral,
                step,
                referral.lock_version,
                feedback="We will call her by text message today; the order can be issued "
                "at the duty unit.",
            )
            db.session.flush()
        sent += 1
    return sent
