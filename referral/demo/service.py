"""Seed a demo: locations, a handful of organisations and one user of every role.

Re-running changes nothing that is already there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from referral.auth import second_factor
from referral.auth import service as accounts
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases import demo as cases_demo
from referral.cases.models import Case
from referral.committees import demo as committees_demo
from referral.committees.models import Committee
from referral.directory import demo as directory_demo
from referral.directory import service as directory
from referral.directory.models import Location, Organisation, OrganisationType, Service
from referral.extensions import db
from referral.referrals import demo as referrals_demo

# Printed to the person running the demo; `flask demo seed` refuses to run in production.
DEMO_PASSWORD = "demo-pathway-2026"  # noqa: S105  # nosec B105

# (key, type, location code, en, ru, ky)
DEMO_ORGANISATIONS = [
    (
        "admin",
        OrganisationType.ADMINISTRATION,
        "41711000000000",
        "Referral pathway administration",
        "Администрация системы перенаправления",
        "Жолдомо системасынын администрациясы",
    ),
    (
        "crisis",
        OrganisationType.CRISIS_CENTRE,
        "41711202000000",
        "Bishkek Crisis Centre for Women",
        "Бишкекский кризисный центр для женщин",
        "Бишкек аялдар үчүн кризистик борбору",
    ),
    (
        "police",
        OrganisationType.POLICE,
        "41711202000000",
        "Oktyabr District Internal Affairs Department",
        "Октябрьское РУВД г. Бишкек",
        "Бишкек ш. Октябрь ИИББ",
    ),
    (
        "psych",
        OrganisationType.PSYCHOSOCIAL,
        "41711201000000",
        'Psychological Support Practice "Ishenim"',
        "Психологическая практика «Ишеним»",
        "«Ишеним» психологиялык жардам кабинети",
    ),
    (
        "health",
        OrganisationType.HEALTH,
        "41711202000000",
        "Family Medicine Centre No. 6",
        "Центр семейной медицины № 6",
        "№ 6 Үй-бүлөлүк медицина борбору",
    ),
    (
        "legal",
        OrganisationType.LEGAL_AID,
        "41711203000000",
        'Legal Aid NGO "Adilet"',
        "ОО «Адилет» (юридическая помощь)",
        "«Адилет» КБ (юридикалык жардам)",
    ),
    (
        "shelter",
        OrganisationType.SHELTER,
        "41711000000000",
        "Safe House for Women and Children",
        "Убежище для женщин и детей",
        "Аялдар жана балдар үчүн баш калкалоочу жай",
    ),
    (
        "social",
        OrganisationType.SOCIAL_PROTECTION,
        "41711202000000",
        "Oktyabr District Department of Social Protection",
        "Управление социальной защиты Октябрьского района",
        "Октябрь районунун социалдык коргоо башкармалыгы",
    ),
    (
        "committee",
        OrganisationType.COMMITTEE,
        "41708222000000",
        "Sokuluk GBV Prevention Committee",
        "Сокулукский комитет по профилактике насилия",
        "Сокулук зомбулуктун алдын алуу комитети",
    ),
]

# (username, role, organisation key, full name)
DEMO_USERS = [
    ("caseworker", Role.CASEWORKER, "crisis", "Aida Caseworker"),
    ("supervisor", Role.SUPERVISOR, "crisis", "Nurgul Supervisor"),
    ("police", Role.PROVIDER, "police", "Bakyt Police"),
    ("psychologist", Role.PROVIDER, "psych", "Gulnara Psychologist"),
    ("health", Role.PROVIDER, "health", "Elmira Health"),
    ("lawyer", Role.PROVIDER, "legal", "Azamat Lawyer"),
    ("shelter", Role.PROVIDER, "shelter", "Cholpon Shelter"),
    ("social", Role.PROVIDER, "social", "Dinara Social"),
    ("committee", Role.COMMITTEE_MEMBER, "committee", "Kanat Committee"),
    ("admin", Role.ADMIN, "admin", "Admin Administrator"),
    ("auditor", Role.AUDITOR, "admin", "Asel Auditor"),
]


@dataclass
class SeedSummary:
    locations_added: int = 0
    organisations_added: int = 0
    users_added: int = 0
    cases_added: int = 0
    services_added: int = 0
    committees_added: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    users: list[tuple[str, str]] = field(default_factory=list)
    # Users whose role asks for a code at sign-in; with the TOTP secret when enrolled by
    # this run (to add to a phone's authenticator app, for whoever has one at hand).
    with_code: dict[str, str | None] = field(default_factory=dict)


def seed_demo() -> SeedSummary:
    summary = SeedSummary()
    summary.locations_added = directory.load_locations()
    orgs = {}
    for key, org_type, loc_code, en, ru, ky in DEMO_ORGANISATIONS:
        org = db.session.execute(
            select(Organisation).where(Organisation.name_en == en)
        ).scalar_one_or_none()
        if org is None:
            location = directory.location_by_code(loc_code)
            org = Organisation(
                org_type=org_type,
                name_en=en,
                name_ru=ru,
                name_ky=ky,
                location_id=location.id if location else None,
            )
            db.session.add(org)
            summary.organisations_added += 1
        orgs[key] = org
    db.session.flush()
    for username, role, org_key, full_name in DEMO_USERS:
        user = db.session.execute(
            select(User).where(User.username == username)
        ).scalar_one_or_none()
        if user is None:
            user, _temporary = accounts.create_user(
                accounts.UserInput(
                    username=username,
                    full_name=full_name,
                    email=None,
                    role=role,
                    organisation_id=orgs[org_key].id,
                ),
                password=DEMO_PASSWORD,
            )
            summary.users_added += 1
        summary.users.append((username, role.label))
        if second_factor.is_required(user):
            # Enrolled here, not at first sign-in: trying the demo must not need a phone.
            secret = None if user.has_second_factor else second_factor.enrol_with_secret(user)
            summary.with_code[username] = secret
    db.session.flush()
    summary.services_added = directory_demo.seed()
    summary.users_added += _counted_cases_owner()
    summary.committees_added = committees_demo.seed()
    summary.cases_added = cases_demo.seed() + cases_demo.seed_counted()
    db.session.flush()
    referrals_demo.seed()
    db.session.flush()
    summary.totals = {
        "locations": _count(Location),
        "organisations": _count(Organisation),
        "services": _count(Service),
        "committees": _count(Committee),
        "users": _count(User),
        "fictional cases": _count(Case),
    }
    return summary


def _counted_cases_owner() -> int:
    """The Chüy crisis centre's caseworker, who owns the Sokuluk cases the committee's
    statistics count. Not a demo login: the password is random and never shown (an
    admin can reset it). Returns 1 when created by this run."""
    if accounts.get_user_by_username(cases_demo.COUNTED_OWNER) is not None:
        return 0
    centre = db.session.execute(
        select(Organisation).where(Organisation.name_en == directory_demo.CHUY_CRISIS_CENTRE)
    ).scalar_one_or_none()
    if centre is None:
        return 0
    accounts.create_user(
        accounts.UserInput(
            username=cases_demo.COUNTED_OWNER,
            full_name="Saltanat Caseworker",
            email=None,
            role=Role.CASEWORKER,
            organisation_id=centre.id,
        )
    )
    return 1


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def format_summary(summary: SeedSummary, url: str = "http://127.0.0.1:5000") -> str:
    added = (
        summary.locations_added
        + summary.organisations_added
        + summary.services_added
        + summary.committees_added
        + summary.users_added
        + summary.cases_added
    )
    totals = ", ".join(f"{n} {what}" for what, n in summary.totals.items())
    lines = [
        f"Demo data ready: {totals}.",
        f"Added by this run: {summary.locations_added} locations, "
        f"{summary.organisations_added} organisations, {summary.services_added} services, "
        f"{summary.committees_added} committees, {summary.users_added} users, "
        f"{summary.cases_added} fictional cases."
        if added
        else "Added by this run: nothing (already seeded).",
        "",
        f"Sign in at {url} with any of these usernames:",
    ]
    lines += [f"  {username:14} {label}" for username, label in summary.users]
    lines += ["", f"Password for every demo user: {DEMO_PASSWORD}"]
    if summary.with_code:
        names = ", ".join(summary.with_code)
        lines += [
            "",
            f"{names} are also asked for a code from an authenticator app. Without a phone,",
            "print the code of the moment (valid for about a minute) with:",
            f"  flask demo code {next(iter(summary.with_code))}",
        ]
        secrets_shown = {u: s for u, s in summary.with_code.items() if s}
        if secrets_shown:
            lines.append("Or add these keys (time-based) to an authenticator app:")
            lines += [f"  {username:14} {secret}" for username, secret in secrets_shown.items()]
    return "\n".join(lines)
