"""Protection orders under Kyrgyz law No. 63 (domain.md §3.1): the police's temporary
order, its extension, and the court restrictions of the 2025 amendments; their
conditions and every violation.

Durations are settings (`PROTECTION_ORDER_*_DAYS`, config/defaults.py), not constants:
they give the default "valid until". Whether an order has expired is computed from its
dates on the Bishkek calendar day (`ProtectionOrder.status_on`), never stored.
Free-text conditions and violation descriptions are encrypted (unit PROTECTION_ORDER).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from referral.auth.models import User
from referral.cases.models import Case
from referral.cases.models.assessment import Incident
from referral.cases.models.plan import (
    IssuingBody,
    OrderCondition,
    OrderKind,
    OrderStatus,
    ProtectionOrder,
    ProtectionOrderViolation,
)
from referral.cases.service.common import (
    CaseError,
    Problems,
    StaleError,
    audit_case,
    check_lock,
    children,
    read_grant,
    record_event,
    write_grant,
)
from referral.cases.service.common import today as local_today
from referral.cases.service.plan import clean_text, display
from referral.cases.service.timeline import event_label
from referral.crypto import fields
from referral.crypto import grants as U
from referral.extensions import db

UNITS = frozenset({U.PROTECTION_ORDER})
TEXT_MAX = 5000
UNIT_MAX = 200

DURATION_SETTINGS = {
    OrderKind.TEMPORARY: "PROTECTION_ORDER_TEMPORARY_DAYS",
    OrderKind.EXTENDED: "PROTECTION_ORDER_EXTENDED_DAYS",
    OrderKind.COURT_RESTRICTION: "PROTECTION_ORDER_COURT_DAYS",
}

event_label("protection_order_added", _l("Protection order recorded"))
event_label("protection_order_updated", _l("Protection order changed"))
event_label("protection_order_violated", _l("Violation of a protection order recorded"))


@dataclass(frozen=True)
class OrderInput:
    kind: OrderKind | None
    issuing_body: IssuingBody | None
    issued_on: date | None
    issuing_unit: str | None = None
    valid_until: date | None = None  # None: the legal duration from the settings
    extended_until: date | None = None
    conditions: tuple[OrderCondition, ...] = ()
    conditions_text: str | None = None
    status: OrderStatus = OrderStatus.ACTIVE
    incident_id: uuid.UUID | None = None


@dataclass(frozen=True)
class ViolationInput:
    occurred_on: date | None
    description: str | None


@dataclass(frozen=True)
class ViolationView:
    id: uuid.UUID
    occurred_on: date
    description: str | None


@dataclass(frozen=True)
class OrderView:
    id: uuid.UUID
    kind: OrderKind
    issuing_body: IssuingBody
    issuing_unit: str | None
    issued_on: date
    valid_until: date
    extended_until: date | None
    conditions: tuple[OrderCondition, ...]
    conditions_text: str | None
    recorded_status: OrderStatus
    status: OrderStatus  # on today's Bishkek date: "expired" computed from the dates
    incident_id: uuid.UUID | None
    created_at: datetime
    lock_version: int
    violations: tuple[ViolationView, ...] = field(default=())

    @property
    def ends_on(self) -> date:
        return self.extended_until or self.valid_until


def default_valid_until(kind: OrderKind, issued_on: date) -> date:
    """The last day of an order of `kind` issued on `issued_on`, by the settings."""
    days = int(current_app.config[DURATION_SETTINGS[kind]])
    return issued_on + timedelta(days=days)


def default_durations() -> dict[str, int]:
    """Days per kind, for the form's hint."""
    return {k.value: int(current_app.config[s]) for k, s in DURATION_SETTINGS.items()}


def incident_choices(case: Case) -> list[Incident]:
    """The case's incidents an order may answer, oldest first."""
    return children(Incident, case, Incident.occurred_at)


def _clean(case: Case, data: OrderInput) -> dict:
    """Every rule of an order at once; CaseError lists each broken one."""
    problems = Problems()
    if data.kind is None:
        problems.add("kind", _l("Choose the kind of order."))
    if data.issuing_body is None:
        problems.add("issuing_body", _l("Choose who issued the order."))
    unit = clean_text(data.issuing_unit)
    if unit is not None and len(unit) > UNIT_MAX:
        problems.add("issuing_unit", _l("Keep this under 200 characters."))
    if data.issued_on is None:
        problems.add("issued_on", _l("Enter the date the order was issued."))
    elif data.issued_on > local_today():
        problems.add("issued_on", _l("The date of issue cannot be in the future."))
    valid_until = data.valid_until
    if valid_until is None and data.kind is not None and data.issued_on is not None:
        valid_until = default_valid_until(data.kind, data.issued_on)
    elif valid_until is not None and data.issued_on is not None and valid_until <= data.issued_on:
        problems.add("valid_until", _l("The order must be valid until after it was issued."))
    if (
        data.extended_until is not None
        and valid_until is not None
        and data.extended_until <= valid_until
    ):
        problems.add(
            "extended_until", _l("An extension must end after the order's first end date.")
        )
    text = clean_text(data.conditions_text)
    if text is not None and len(text) > TEXT_MAX:
        problems.add("conditions_text", _l("Keep this under 5000 characters."))
    if OrderCondition.OTHER in data.conditions and text is None:
        problems.add("conditions_text", _l("Describe the other conditions."))
    if data.status == OrderStatus.EXPIRED:
        problems.add("status", _l("Expiry follows from the dates; choose another status."))
    if data.incident_id is not None and data.incident_id not in {
        i.id for i in incident_choices(case)
    }:
        problems.add("incident_id", _l("Choose an incident of this case."))
    problems.raise_if_any(CaseError)
    return {"issuing_unit": unit, "valid_until": valid_until, "conditions_text": text}


def _apply(order: ProtectionOrder, data: OrderInput, values: dict, grant) -> None:
    fields.write(order, "conditions_text", values["conditions_text"], grant)
    order.kind = data.kind
    order.issuing_body = data.issuing_body
    order.issuing_unit = values["issuing_unit"]
    order.issued_on = data.issued_on
    order.valid_until = values["valid_until"]
    order.extended_until = data.extended_until
    order.conditions = sorted({c.value for c in data.conditions})
    order.status = data.status
    order.incident_id = data.incident_id


def _detail(order: ProtectionOrder) -> dict:
    return {"kind": order.kind.value, "status": order.status.value}


def add_order(user: User, case: Case, data: OrderInput) -> ProtectionOrder:
    grant = write_grant(user, case, UNITS)
    values = _clean(case, data)
    order = ProtectionOrder(case_id=case.id, case=case, created_by_id=user.id)
    _apply(order, data, values, grant)
    db.session.add(order)
    db.session.flush()
    record_event(case, "protection_order_added", target=order, detail=_detail(order))
    audit_case("sensitive_create", case, UNITS, record=order.__tablename__, record_id=order.id)
    return order


def _conditions(order: ProtectionOrder) -> tuple[OrderCondition, ...]:
    known = {c.value for c in OrderCondition}
    return tuple(OrderCondition(c) for c in order.conditions or () if c in known)


def _violations(order: ProtectionOrder, grant) -> tuple[ViolationView, ...]:
    return tuple(
        ViolationView(v.id, v.occurred_on, fields.read(v, "description", grant))
        for v in order.violations
    )


def _view(order: ProtectionOrder, grant, day: date, with_violations: bool = True) -> OrderView:
    return OrderView(
        id=order.id,
        kind=order.kind,
        issuing_body=order.issuing_body,
        issuing_unit=order.issuing_unit,
        issued_on=order.issued_on,
        valid_until=order.valid_until,
        extended_until=order.extended_until,
        conditions=_conditions(order),
        conditions_text=fields.read(order, "conditions_text", grant),
        recorded_status=order.status,
        status=order.status_on(day),
        incident_id=order.incident_id,
        created_at=order.created_at,
        lock_version=order.lock_version,
        violations=_violations(order, grant) if with_violations else (),
    )


def order_values(view: OrderView) -> dict:
    """The editable values of an order, for its form and for change detection."""
    return {
        "kind": view.kind,
        "issuing_body": view.issuing_body,
        "issuing_unit": view.issuing_unit,
        "issued_on": view.issued_on,
        "valid_until": view.valid_until,
        "extended_until": view.extended_until,
        "conditions": list(view.conditions),
        "conditions_text": view.conditions_text,
        "status": view.recorded_status,
        "incident_id": view.incident_id,
    }


def update_order(
    user: User, case: Case, order: ProtectionOrder, data: OrderInput, lock_version: int | None
) -> ProtectionOrder:
    """Replace an order's record. StaleError (naming the fields whose saved value
    differs from the input) when someone saved it since the form was loaded."""
    grant = write_grant(user, case, UNITS)
    try:
        check_lock(order, lock_version)
    except StaleError:
        current = order_values(_view(order, grant, local_today(), with_violations=False))
        typed = {k: getattr(data, k) for k in current}
        typed["conditions"] = sorted(set(data.conditions), key=list(OrderCondition).index)
        typed["conditions_text"] = clean_text(data.conditions_text)
        typed["issuing_unit"] = clean_text(data.issuing_unit)
        changed = [k for k, v in current.items() if typed[k] != v]
        raise StaleError(changed, {k: display(v) for k, v in current.items()}) from None
    values = _clean(case, data)
    _apply(order, data, values, grant)
    db.session.flush()
    record_event(case, "protection_order_updated", target=order, detail=_detail(order))
    audit_case("sensitive_update", case, UNITS, record=order.__tablename__, record_id=order.id)
    return order


def record_violation(
    user: User, case: Case, order: ProtectionOrder, data: ViolationInput
) -> ProtectionOrderViolation:
    """A violation of the order: it must fall within the days the order was in force.
    An order in force becomes "violated"; a revoked one keeps its status."""
    grant = write_grant(user, case, UNITS)
    problems = Problems()
    description = clean_text(data.description)
    if data.occurred_on is None:
        problems.add("occurred_on", _l("Enter the date of the violation."))
    elif data.occurred_on > local_today():
        problems.add("occurred_on", _l("The violation cannot be in the future."))
    elif not order.issued_on <= data.occurred_on <= order.ends_on:
        problems.add("occurred_on", _l("The date must be within the days the order was in force."))
    if description is None:
        problems.add("description", _l("Describe what happened."))
    elif len(description) > TEXT_MAX:
        problems.add("description", _l("Keep this under 5000 characters."))
    problems.raise_if_any(CaseError)
    violation = ProtectionOrderViolation(
        case_id=case.id,
        case=case,
        order_id=order.id,
        occurred_on=data.occurred_on,
        recorded_by_id=user.id,
    )
    fields.write(violation, "description", description, grant)
    db.session.add(violation)
    if order.status == OrderStatus.ACTIVE:
        order.status = OrderStatus.VIOLATED
    db.session.flush()
    db.session.expire(order, ["violations"])
    record_event(
        case, "protection_order_violated", target=order, detail={"status": order.status.value}
    )
    audit_case(
        "sensitive_create",
        case,
        UNITS,
        record=violation.__tablename__,
        record_id=violation.id,
        order_id=order.id,
    )
    return violation


def read_order(user: User, case: Case, order: ProtectionOrder) -> OrderView:
    view = _view(order, read_grant(user, case, UNITS), local_today())
    audit_case("sensitive_read", case, UNITS, record=order.__tablename__, record_id=order.id)
    return view


def orders(user: User, case: Case, day: date | None = None) -> list[OrderView]:
    """The case's orders, newest issue first, with their violations and their status on
    `day` (today in Bishkek); audited only when something was decrypted."""
    records = list(
        db.session.execute(
            select(ProtectionOrder)
            .where(ProtectionOrder.case_id == case.id)
            .options(selectinload(ProtectionOrder.violations))
            .order_by(ProtectionOrder.issued_on.desc(), ProtectionOrder.created_at.desc())
        ).scalars()
    )
    if not records:
        return []
    grant = read_grant(user, case, UNITS)
    day = day or local_today()
    views = [_view(o, grant, day) for o in records]
    audit_case("sensitive_read", case, UNITS, record="protection_orders", count=len(views))
    return views
