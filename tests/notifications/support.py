"""A small world for the notification tests: a crisis centre (owner, assigned colleague,
supervisor), another centre, a police organisation with two focal points, and
referrals of the owner's cases sent through the lifecycle."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from referral.auth.permissions import Role
from referral.cases import service as cases
from referral.cases.models import ConsentDecision, ConsentGiver, ConsentKind, ConsentMethod
from referral.cases.service import consent
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from referral.notifications.models import Notification
from referral.referrals.models import Urgency
from referral.referrals.service import lifecycle
from tests import factories

NAME = "Aigul Toktogulova"
SUMMARY = "She needs protection from her husband tonight."


def world():
    crisis = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    other = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    other_police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)

    def user(role, org, **kw):
        return factories.UserFactory(role=role, organisation=org, **kw)

    w = SimpleNamespace(
        crisis=crisis,
        other_crisis=other,
        police=police,
        other_police=other_police,
        owner=user(Role.CASEWORKER, crisis, email="owner@centre.example"),
        colleague=user(Role.CASEWORKER, crisis, email="colleague@centre.example"),
        bystander=user(Role.CASEWORKER, crisis),  # same centre, not on the case
        supervisor=user(Role.SUPERVISOR, crisis, email="supervisor@centre.example"),
        other_worker=user(Role.CASEWORKER, other),
        other_supervisor=user(Role.SUPERVISOR, other),
        officer=user(Role.PROVIDER, police, email="officer@police.example"),
        officer2=user(Role.PROVIDER, police),
        retired_officer=user(Role.PROVIDER, police, is_active_account=False),
        other_officer=user(Role.PROVIDER, other_police),
    )
    db.session.flush()
    return w


def open_case(w, name=NAME, *, assign=True):
    case = cases.open_case(w.owner, cases.CaseInput(full_name=name, phone="0555 321 654"))
    db.session.flush()
    if assign:
        cases.assign_case(w.supervisor, case, w.owner.id, [w.colleague.id])
    consent.record_consent(
        w.owner,
        case,
        consent.ConsentInput(
            kind=ConsentKind.RELEASE,
            decision=ConsentDecision.GIVEN,
            given_by=ConsentGiver.SURVIVOR,
            method=ConsentMethod.VERBAL,
            service_types=(ServiceType.POLICE_INTERNAL_AFFAIRS,),
        ),
        consent.history_version(case),
    )
    db.session.flush()
    return case


def send(w, case=None, *, to=None, urgency=Urgency.URGENT, summary=SUMMARY, sender=None):
    case = case or open_case(w)
    referral = lifecycle.send_referral(
        sender or w.owner,
        case,
        lifecycle.ReferralInput(
            to_org_id=(to or w.police).id,
            service_type=ServiceType.POLICE_INTERNAL_AFFAIRS,
            urgency=urgency,
            shared_items=("name", "safe_contact"),
            summary=summary,
        ),
    )
    db.session.flush()
    return referral


def notifications(user=None, kind=None) -> list[Notification]:
    query = select(Notification).order_by(Notification.created_at, Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.execute(query).scalars())


def recipients(kind) -> set:
    return {n.user_id for n in notifications(kind=kind)}


BASE_URL = "https://referral.example.kg"


def mail_on(app, monkeypatch, port: int) -> None:
    """E-mail through the test's SMTP receiver on 127.0.0.1:`port`."""
    for key, value in {
        "MAIL_SMTP_HOST": "127.0.0.1",
        "MAIL_SMTP_PORT": port,
        "MAIL_SMTP_TLS": "none",
        "MAIL_SMTP_TIMEOUT": 5,
        "MAIL_FROM": "no-reply@referral.example.kg",
        "MAIL_LINK_BASE_URL": BASE_URL,
    }.items():
        monkeypatch.setitem(app.config, key, value)
