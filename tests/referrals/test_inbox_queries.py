"""The provider's inbox decides a page of referrals at once: the number of database
statements does not grow with the rows shown (names and consents are loaded together)."""

from __future__ import annotations

from sqlalchemy import event

from referral.extensions import db
from referral.referrals.service import inbox
from tests.referrals.test_provider_inbox import _send, setup  # noqa: F401  (fixture)


def _statements(fn) -> int:
    count = 0

    def counted(*_args, **_kwargs):
        nonlocal count
        count += 1

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", counted)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count


def test_the_inbox_costs_the_same_for_3_rows_as_for_20(setup):  # noqa: F811
    worker, police, officer = setup
    for n in range(3):
        _send(worker, police, n)
    db.session.expire_all()
    few = _statements(lambda: inbox.list_inbox(officer, None, None))
    for n in range(3, 20):
        _send(worker, police, n)
    db.session.expire_all()
    page = None

    def load():
        nonlocal page
        page = inbox.list_inbox(officer, None, None)

    many = _statements(load)
    assert sum(1 for row in page.rows if row.name) == 20  # every name shown, decrypted
    assert many <= few + 2, (few, many)
