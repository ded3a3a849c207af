"""Protection orders (law No. 63 durations from the settings, expiry on the Bishkek
calendar, violations) and case notes (author-only edits, never on a closed case)."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from referral.auth.permissions import Role
from referral.cases import service
from referral.cases.models import CaseEvent, CaseStatus, ErasureReason
from referral.cases.models.plan import (
    CaseNote,
    IssuingBody,
    OrderCondition,
    OrderKind,
    OrderStatus,
    ProtectionOrder,
    ProtectionOrderViolation,
)
from referral.cases.service import incidents, notes, orders
from referral.cases.service.common import CaseClosedError, StaleError, today
from referral.crypto.grants import GrantError
from referral.extensions import db
from tests import factories

CONDITIONS = "He must leave the shared flat in Bishkek"


@pytest.fixture
def worker():
    return factories.UserFactory(role=Role.CASEWORKER)


def _open(user):
    return service.open_case(user, service.CaseInput(full_name="Айгүл Токтогулова"))


def _order(user, case, **kw):
    data = {
        "kind": OrderKind.TEMPORARY,
        "issuing_body": IssuingBody.POLICE,
        "issuing_unit": "Oktyabr district police department",
        "issued_on": today(),
        "conditions": (OrderCondition.NO_CONTACT, OrderCondition.OTHER),
        "conditions_text": CONDITIONS,
    }
    data.update(kw)
    return orders.add_order(user, case, orders.OrderInput(**data))


# --- protection orders ------------------------------------------------------------------


def test_valid_until_defaults_to_the_legal_duration_in_the_settings(app, worker):
    case = _open(worker)
    issued = today() - timedelta(days=1)
    assert _order(worker, case, issued_on=issued).valid_until == issued + timedelta(days=3)
    extended = _order(worker, case, kind=OrderKind.EXTENDED, issued_on=issued)
    assert extended.valid_until == issued + timedelta(days=30)
    app.config["PROTECTION_ORDER_TEMPORARY_DAYS"] = 5  # a changed law is a changed setting
    try:
        assert _order(worker, case, issued_on=issued).valid_until == issued + timedelta(days=5)
    finally:
        app.config["PROTECTION_ORDER_TEMPORARY_DAYS"] = 3
    typed = _order(worker, case, issued_on=issued, valid_until=issued + timedelta(days=10))
    assert typed.valid_until == issued + timedelta(days=10)


def test_an_order_is_encrypted_where_it_is_free_text(worker):
    case = _open(worker)
    order = _order(worker, case)
    db.session.flush()
    assert CONDITIONS.encode() not in order.conditions_text_ct
    assert order.conditions == ["no_contact", "other"]
    [view] = orders.orders(worker, case)
    assert view.conditions_text == CONDITIONS
    assert view.conditions == (OrderCondition.NO_CONTACT, OrderCondition.OTHER)
    assert view.issuing_unit == "Oktyabr district police department"
    assert view.status == OrderStatus.ACTIVE


def test_every_broken_rule_of_an_order_comes_back_at_once(worker):
    case = _open(worker)
    with pytest.raises(service.CaseError) as caught:
        _order(
            worker,
            case,
            kind=None,
            issuing_body=None,
            issued_on=today() + timedelta(days=1),
            valid_until=today(),
            extended_until=today(),
            conditions=(OrderCondition.OTHER,),
            conditions_text=" ",
            incident_id=uuid.uuid4(),  # not an incident of this case
        )
    assert {f for f, _m in caught.value.errors} == {
        "kind",
        "issuing_body",
        "issued_on",
        "valid_until",
        "extended_until",
        "conditions_text",
        "incident_id",
    }


def test_an_extension_must_end_after_the_first_end_date(worker):
    case = _open(worker)
    issued = today()
    with pytest.raises(service.CaseError) as caught:
        _order(worker, case, issued_on=issued, extended_until=issued + timedelta(days=3))
    assert caught.value.field == "extended_until"  # the default valid-until is issued + 3
    ok = _order(worker, case, issued_on=issued, extended_until=issued + timedelta(days=30))
    assert ok.ends_on == issued + timedelta(days=30)


def test_expired_is_computed_from_the_dates(worker):
    case = _open(worker)
    issued = date(2026, 3, 1)
    order = _order(worker, case, issued_on=issued)  # valid until 4 March
    assert order.status_on(date(2026, 3, 4)) == OrderStatus.ACTIVE  # its last day
    assert order.status_on(date(2026, 3, 5)) == OrderStatus.EXPIRED
    order.extended_until = date(2026, 3, 31)
    assert order.status_on(date(2026, 3, 5)) == OrderStatus.ACTIVE
    order.status = OrderStatus.VIOLATED
    assert order.status_on(date(2026, 3, 5)) == OrderStatus.VIOLATED
    assert order.status_on(date(2026, 4, 1)) == OrderStatus.EXPIRED
    order.status = OrderStatus.REVOKED
    assert order.status_on(date(2026, 3, 5)) == OrderStatus.REVOKED
    [view] = orders.orders(worker, case, day=date(2026, 4, 1))
    assert view.status == OrderStatus.REVOKED
    assert view.recorded_status == OrderStatus.REVOKED


def test_an_order_links_an_incident_of_its_own_case_only(worker):
    case, other = _open(worker), _open(worker)
    recorded = incidents.IncidentInput(
        incident_date=today(), report_date=today(), q_penetration=False,
        q_sexual_contact=False, q_physical_assault=True,
    )  # fmt: skip
    incident = incidents.add_incident(worker, case, recorded)
    elsewhere = incidents.add_incident(worker, other, recorded)
    assert [i.id for i in orders.incident_choices(case)] == [incident.id]
    assert _order(worker, case, incident_id=incident.id).incident_id == incident.id
    with pytest.raises(service.CaseError) as caught:
        _order(worker, case, incident_id=elsewhere.id)
    assert caught.value.field == "incident_id"


def test_erasure_removes_orders_their_violations_and_linked_incidents(worker):
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=worker.organisation)
    case = _open(worker)
    recorded = incidents.IncidentInput(
        incident_date=today(), report_date=today(), q_penetration=False,
        q_sexual_contact=False, q_physical_assault=True,
    )  # fmt: skip
    incident = incidents.add_incident(worker, case, recorded)
    order = _order(worker, case, incident_id=incident.id)
    orders.record_violation(worker, case, order, orders.ViolationInput(today(), "He came"))
    notes.add_note(worker, case, "A note")
    db.session.flush()
    service.erase_case(supervisor, case, ErasureReason.SURVIVOR_REQUEST)
    db.session.flush()
    for model in (ProtectionOrder, ProtectionOrderViolation, CaseNote):
        assert db.session.execute(select(model)).first() is None


def test_expired_cannot_be_chosen_by_hand(worker):
    case = _open(worker)
    with pytest.raises(service.CaseError) as caught:
        _order(worker, case, status=OrderStatus.EXPIRED)
    assert caught.value.field == "status"


def test_a_violation_marks_the_order_violated_and_is_encrypted(worker):
    case = _open(worker)
    order = _order(worker, case, issued_on=today() - timedelta(days=1))
    violation = orders.record_violation(
        worker, case, order, orders.ViolationInput(today(), "He called her twelve times")
    )
    db.session.flush()
    assert b"twelve" not in violation.description_ct
    assert order.status == OrderStatus.VIOLATED
    [view] = orders.orders(worker, case)
    assert view.status == OrderStatus.VIOLATED
    assert [v.description for v in view.violations] == ["He called her twelve times"]
    kinds = db.session.execute(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).scalars()
    assert "protection_order_violated" in list(kinds)


def test_a_violation_must_fall_within_the_order(worker):
    case = _open(worker)
    order = _order(worker, case, issued_on=today() - timedelta(days=10))  # ended 7 days ago
    for day, text in ((today() - timedelta(days=11), "x"), (today() + timedelta(days=1), "")):
        with pytest.raises(service.CaseError) as caught:
            orders.record_violation(worker, case, order, orders.ViolationInput(day, text))
        assert caught.value.field == "occurred_on"
    with pytest.raises(service.CaseError) as caught:
        orders.record_violation(worker, case, order, orders.ViolationInput(None, None))
    assert {f for f, _m in caught.value.errors} == {"occurred_on", "description"}
    assert order.status == OrderStatus.ACTIVE


def test_a_revoked_order_stays_revoked_after_a_violation(worker):
    case = _open(worker)
    order = _order(worker, case, status=OrderStatus.REVOKED)
    orders.record_violation(worker, case, order, orders.ViolationInput(today(), "Came to her door"))
    assert order.status == OrderStatus.REVOKED


def test_an_order_edit_from_an_old_form_is_stale(worker):
    case = _open(worker)
    order = _order(worker, case)
    db.session.flush()
    version = order.lock_version
    data = orders.OrderInput(
        kind=OrderKind.EXTENDED,
        issuing_body=IssuingBody.POLICE,
        issued_on=order.issued_on,
        conditions=(OrderCondition.NO_CONTACT,),
    )
    orders.update_order(worker, case, order, data, version)
    db.session.flush()
    with pytest.raises(StaleError) as caught:
        again = orders.OrderInput(**{**data.__dict__, "kind": OrderKind.TEMPORARY})
        orders.update_order(worker, case, order, again, version)
    assert caught.value.changed == ["kind", "valid_until"]
    assert db.session.get(ProtectionOrder, order.id).kind == OrderKind.EXTENDED


# --- case notes -------------------------------------------------------------------------


def test_notes_are_encrypted_and_listed_newest_first(worker):
    case = _open(worker)
    first = notes.add_note(worker, case, "First meeting went well")
    second = notes.add_note(worker, case, "She called from a new number")
    db.session.flush()
    assert b"First meeting" not in first.text_ct
    views = notes.notes(worker, case)
    assert [v.id for v in views] == [second.id, first.id]
    assert views[0].text == "She called from a new number"
    assert views[0].can_edit


def test_an_empty_note_is_refused(worker):
    case = _open(worker)
    with pytest.raises(service.CaseError) as caught:
        notes.add_note(worker, case, "  \n ")
    assert caught.value.field == "text"


def test_only_the_author_edits_a_note(worker):
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=worker.organisation)
    case = _open(worker)
    note = notes.add_note(worker, case, "Original")
    db.session.flush()
    assert not notes.notes(supervisor, case)[0].can_edit  # she reads it, cannot change it
    with pytest.raises(GrantError):
        notes.update_note(supervisor, case, note, "Rewritten", note.lock_version)
    notes.update_note(worker, case, note, "Corrected", note.lock_version)
    db.session.flush()
    [view] = notes.notes(worker, case)
    assert view.text == "Corrected"
    assert view.edited_at is not None


def test_a_note_edit_from_an_old_form_is_stale_and_keeps_the_saved_text(worker):
    case = _open(worker)
    note = notes.add_note(worker, case, "Original")
    db.session.flush()
    version = note.lock_version
    notes.update_note(worker, case, note, "From the first window", version)
    db.session.flush()
    with pytest.raises(StaleError) as caught:
        notes.update_note(worker, case, note, "From the second window", version)
    assert caught.value.changed == ["text"]
    assert caught.value.current["text"] == "From the first window"


def test_notes_cannot_be_edited_once_the_case_is_closed(worker):
    case = _open(worker)
    note = notes.add_note(worker, case, "Original")
    case.status = CaseStatus.CLOSED
    db.session.flush()
    assert not notes.can_edit_note(worker, case, note)
    with pytest.raises(CaseClosedError):
        notes.update_note(worker, case, note, "Late change", note.lock_version)
    with pytest.raises(CaseClosedError):
        notes.add_note(worker, case, "Another")
