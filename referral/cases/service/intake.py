"""Intake: open a case (after a duplicate check), read and edit the intake record,
list and search cases, assign caseworkers.

Every function takes the acting user and decrypts only through a grant from `policy`,
for the units the page shows; it returns plain dataclasses (templates never see
ciphertext or keys), flushes and never commits. Audit events hold ids, counts and field
units, never values or search terms.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from dataclasses import fields as dc_fields
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from referral.auth.models import User
from referral.auth.permissions import Permission
from referral.cases import indexing, keys, policy
from referral.cases.models import (
    AgeBand,
    Case,
    CaseStatus,
    ContactMethod,
    Disability,
    Displacement,
    MaritalStatus,
    ReferralSource,
    RiskLevel,
    Sex,
)
from referral.cases.service.common import (
    CaseError,
    Problems,
    StaleError,
    audit_case,
    check_readable,
    record_event,
    today,
    write_grant,
)
from referral.cases.service.lists import CaseSummary, search_cases
from referral.crypto import blind_index, fields
from referral.crypto import grants as U
from referral.crypto.grants import WRITE, GrantError
from referral.db import utcnow
from referral.directory.models import Location, LocationLevel
from referral.extensions import db
from referral.stats import facts as stats_facts

EARLIEST_BIRTH_YEAR = 1900
MAX_AGE = 120
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
# A residence is recorded no finer than a rayon (or a Bishkek/Osh city district).
RESIDENCE_LEVELS = frozenset(
    {
        LocationLevel.RAYON,
        LocationLevel.CITY_DISTRICT,
        LocationLevel.TOWN_OBLAST,
        LocationLevel.CITY_NATIONAL,
    }
)

# The encrypted intake fields, by unit: what each page decrypts, and no more.
INTAKE_FIELDS = {
    "full_name": U.NAME,
    "birth_date": U.AGE,
    "estimated_age": U.AGE,
    "phone": U.CONTACT,
    "safe_contact_method": U.CONTACT,
    "safe_times": U.CONTACT,
    "address": U.ADDRESS,
    "caregiver_name": U.CAREGIVER,
    "caregiver_relationship": U.CAREGIVER,
    "caregiver_phone": U.CAREGIVER,
    "accompanying_children": U.CHILDREN,
    "note": U.NOTES,
}
INTAKE_UNITS = frozenset(INTAKE_FIELDS.values())
PLAIN_FIELDS = (
    "referral_source",
    "do_not_contact",
    "sex",
    "disability",
    "marital_status",
    "displacement",
    "residence_location_id",
)


@dataclass(frozen=True)
class CaseInput:
    full_name: str
    birth_date: date | None = None
    estimated_age: int | None = None
    sex: Sex | None = None
    phone: str | None = None
    safe_contact_method: ContactMethod | None = None
    safe_times: str | None = None
    address: str | None = None
    do_not_contact: bool = False
    caregiver_name: str | None = None
    caregiver_relationship: str | None = None
    caregiver_phone: str | None = None
    accompanying_children: str | None = None
    note: str | None = None
    referral_source: ReferralSource | None = None
    disability: Disability | None = None
    marital_status: MaritalStatus | None = None
    displacement: Displacement | None = None
    residence_location_id: uuid.UUID | None = None


@dataclass(frozen=True)
class CaseDetail:
    """The intake record as a page shows it. Encrypted values are filled only for the
    units that were asked for; the others stay None."""

    id: uuid.UUID
    case_code: str
    status: CaseStatus
    owner_id: uuid.UUID
    owner_name: str
    created_at: datetime
    updated_at: datetime
    lock_version: int
    referral_source: ReferralSource | None
    do_not_contact: bool
    sex: Sex | None
    age_band: AgeBand | None
    disability: Disability | None
    marital_status: MaritalStatus | None
    displacement: Displacement | None
    residence_location_id: uuid.UUID | None
    risk_level: RiskLevel | None
    immediate_danger: bool
    assigned: tuple[tuple[uuid.UUID, str], ...] = ()
    full_name: str | None = None
    birth_date: date | None = None
    estimated_age: int | None = None
    phone: str | None = None
    safe_contact_method: str | None = None
    safe_times: str | None = None
    address: str | None = None
    caregiver_name: str | None = None
    caregiver_relationship: str | None = None
    caregiver_phone: str | None = None
    accompanying_children: str | None = None
    note: str | None = None

    @property
    def age(self) -> int | None:
        if self.birth_date is not None:
            return age_on(self.birth_date, today())
        return self.estimated_age

    @property
    def is_child(self) -> bool:
        return self.age_band is not None and self.age_band.is_child

    @property
    def contact_method(self) -> ContactMethod | None:
        try:
            return ContactMethod(self.safe_contact_method) if self.safe_contact_method else None
        except ValueError:
            return None


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def new_case_code(year: int | None = None) -> str:
    """A non-identifying code such as KG-2026-7F3Q9, unique."""
    year = year or utcnow().year
    while True:
        code = f"KG-{year}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(5))
        exists = db.session.execute(select(Case.id).where(Case.case_code == code)).first()
        if exists is None:
            return code


def case_id_for_code(code: str) -> uuid.UUID | None:
    """The id behind a case code, for the auditor's console: the code is not identifying
    and the answer reveals nothing of the case."""
    return db.session.execute(
        select(Case.id).where(Case.case_code == code.strip().upper())
    ).scalar_one_or_none()


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _phone(value: str | None, field: str, problems: Problems) -> str | None:
    value = _text(value)
    if value is None:
        return None
    normalised = blind_index.normalise_phone(value)
    if normalised is None:
        problems.add(field, _l("This is not a phone number we can use."))
    return normalised


def clean_intake(data: CaseInput) -> dict:
    """Check every rule of the intake at once; CaseError lists each broken one."""
    problems = Problems()
    name = blind_index.clean_display_name(data.full_name or "")
    if blind_index.normalise_name(name) is None:
        problems.add("full_name", _l("Enter the survivor's name."))
    now = today()
    if data.birth_date is not None:
        if data.birth_date > now:
            problems.add("birth_date", _l("The date of birth cannot be in the future."))
        elif data.birth_date.year < EARLIEST_BIRTH_YEAR:
            problems.add("birth_date", _l("Check the date of birth: the year is too early."))
    if data.estimated_age is not None:
        if not 0 <= data.estimated_age <= MAX_AGE:
            problems.add("estimated_age", _l("Enter an age between 0 and 120."))
        elif (
            data.birth_date is not None
            and data.birth_date <= now
            and abs(age_on(data.birth_date, now) - data.estimated_age) > 1
        ):
            problems.add(
                "estimated_age",
                _l("The age does not match the date of birth. Correct one of them."),
            )
    values = {
        "full_name": name,
        "birth_date": data.birth_date,
        "estimated_age": data.estimated_age,
        "phone": _phone(data.phone, "phone", problems),
        "safe_contact_method": data.safe_contact_method.value if data.safe_contact_method else None,
        "safe_times": _text(data.safe_times),
        "address": _text(data.address),
        "caregiver_name": _text(data.caregiver_name),
        "caregiver_relationship": _text(data.caregiver_relationship),
        "caregiver_phone": _phone(data.caregiver_phone, "caregiver_phone", problems),
        "accompanying_children": _text(data.accompanying_children),
        "note": _text(data.note),
    }
    if data.residence_location_id is not None:
        location = db.session.get(Location, data.residence_location_id)
        if location is None or location.level not in RESIDENCE_LEVELS:
            problems.add(
                "residence_location_id", _l("Choose a rayon or a city district from the list.")
            )
    problems.raise_if_any(CaseError)
    return values


def _age_band(values: dict) -> AgeBand:
    if values["birth_date"] is not None:
        return AgeBand.for_age(age_on(values["birth_date"], today()))
    return AgeBand.for_age(values["estimated_age"])


def _apply(case: Case, data: CaseInput, values: dict, grant) -> None:
    for name, value in values.items():
        fields.write(case, name, value, grant)
    indexing.write_indexes(case, {"phone": values["phone"], "name": values["full_name"]})
    for name in PLAIN_FIELDS:
        setattr(case, name, getattr(data, name))
    case.age_band = _age_band(values)


class PossibleDuplicates(Exception):
    """The survivor may already have a case: `rows` are the matches in the user's scope."""

    def __init__(self, rows: list[CaseSummary]):
        super().__init__(f"{len(rows)} possible duplicates")
        self.rows = rows


def open_case(user: User, data: CaseInput, *, duplicates_checked: bool = True) -> Case:
    """Create a case owned by `user` in their organisation, with its own data key.
    With `duplicates_checked` False, a valid intake whose phone or name matches a case in
    the user's scope raises PossibleDuplicates instead (nothing is created)."""
    if not user.can(Permission.CASE_CREATE):
        raise GrantError("this role does not open cases")
    values = clean_intake(data)
    if not duplicates_checked:
        rows = possible_duplicates(user, data)
        if rows:
            raise PossibleDuplicates(rows)
    case = Case(
        case_code=new_case_code(),
        organisation_id=user.organisation_id,
        owner_id=user.id,
        status=CaseStatus.OPEN,
    )
    grant = policy.grant_for(user, case, mode=WRITE)  # GrantError for other roles
    keys.create_case_key(case, grant)
    _apply(case, data, values, grant)
    db.session.add(case)
    db.session.flush()
    record_event(case, "case_opened", touch=False)
    audit_case("sensitive_create", case)
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return case


def possible_duplicates(user: User, data: CaseInput) -> list[CaseSummary]:
    """Cases in the user's scope with the same phone or the same name as the intake
    being typed (blind index, then decrypted to drop false positives)."""
    found: dict[uuid.UUID, CaseSummary] = {}
    for term in (data.phone, data.full_name):
        if _text(term):
            for row in search_cases(user, term, audit_kind="case_duplicate_check").cases:
                found.setdefault(row.id, row)
    return list(found.values())


def _assigned(case: Case) -> tuple[tuple[uuid.UUID, str], ...]:
    return tuple(
        (a.user_id, a.user.full_name or a.user.username)
        for a in sorted(case.assignments, key=lambda a: a.assigned_at)
    )


def read_case(user: User, case: Case, units=INTAKE_UNITS) -> CaseDetail:
    """The intake record with the encrypted fields of `units` decrypted (the page names
    what it shows); audited as sensitive_read with those units."""
    check_readable(case)
    units = frozenset(units) & INTAKE_UNITS
    values = {}
    if units:
        grant = policy.grant_for(user, case, units)
        values = {
            name: fields.read(case, name, grant)
            for name, unit in INTAKE_FIELDS.items()
            if unit in units
        }
    detail = CaseDetail(
        id=case.id,
        case_code=case.case_code,
        status=case.status,
        owner_id=case.owner_id,
        owner_name=case.owner.full_name or case.owner.username,
        created_at=case.created_at,
        updated_at=case.updated_at,
        lock_version=case.lock_version,
        referral_source=case.referral_source,
        do_not_contact=case.do_not_contact,
        sex=case.sex,
        age_band=case.age_band,
        disability=case.disability,
        marital_status=case.marital_status,
        displacement=case.displacement,
        residence_location_id=case.residence_location_id,
        risk_level=case.risk_level,
        immediate_danger=case.immediate_danger,
        assigned=_assigned(case),
        **values,
    )
    if units:
        audit_case("sensitive_read", case, units)
    return detail


def intake_values(detail: CaseDetail) -> dict:
    """The editable values of an intake record, for a form and for change detection."""
    names = set(INTAKE_FIELDS) | set(PLAIN_FIELDS)
    return {f.name: getattr(detail, f.name) for f in dc_fields(detail) if f.name in names}


def update_case(
    user: User, case: Case, data: CaseInput, lock_version: int, original: dict | None = None
) -> Case:
    """Replace the intake record. A stale `lock_version` raises StaleError naming the
    fields someone else changed meanwhile (compared with `original`, the values the
    form was loaded with, when given)."""
    grant = write_grant(user, case, INTAKE_UNITS)
    if lock_version is None or int(lock_version) != case.lock_version:
        current = intake_values(read_case(user, case))
        changed = [k for k, v in current.items() if original is None or original.get(k) != v]
        raise StaleError(changed, current)
    values = clean_intake(data)
    _apply(case, data, values, grant)
    record_event(case, "intake_updated")
    db.session.flush()
    audit_case("sensitive_update", case, INTAKE_UNITS)
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return case


# --- lists ------------------------------------------------------------------------------
