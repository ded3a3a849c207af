"""Demo cases: a few fictional survivors so the caseworker's screens have something
to show. Names and numbers are made up; the numbers sit in one block (+996 700 000 1xx)
so a demo that leaks into a real phone book is easy to spot."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from referral.auth.models import User
from referral.cases import service
from referral.cases.models import Case
from referral.extensions import db

DEMO_CASES = [
    (
        "Айгүл Токтогулова",
        date(1994, 3, 8),
        "+996 700 000 101",
        "Came with her two children; safe contact by phone after 18:00.",
    ),
    (
        "Бермет Асанова",
        date(2001, 11, 2),
        "+996 700 000 102",
        "Referred by the family medicine centre.",
    ),
    ("Nazgul Osmonova", date(1987, 6, 15), "+996 700 000 103", None),
    (
        "Жылдыз Мамытова",
        date(2008, 1, 20),
        None,
        "A child: caregiver consent to be recorded with the case file.",
    ),
]


def seed(username: str = "caseworker") -> int:
    """Open the demo cases once for the demo caseworker. Returns how many were opened."""
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        return 0
    owned = db.session.execute(
        select(func.count()).select_from(Case).where(Case.owner_id == user.id)
    ).scalar_one()
    if owned:
        return 0
    for full_name, birth_date, phone, note in DEMO_CASES:
        service.open_case(
            user,
            service.CaseInput(full_name=full_name, birth_date=birth_date, phone=phone, note=note),
        )
    return len(DEMO_CASES)
