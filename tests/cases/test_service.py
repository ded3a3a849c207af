"""Case services: encryption end to end, fail-closed reads, search, erasure."""

from datetime import date

import pytest
from sqlalchemy import select, update

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases import service
from referral.cases.models import Case, CaseKey, CaseSearchIndex, CaseStatus, ErasureReason
from referral.crypto import fields
from referral.crypto.envelope import DecryptionError, KeyDestroyedError
from referral.crypto.grants import GrantError
from referral.extensions import db
from tests import factories


@pytest.fixture
def caseworker():
    return factories.UserFactory(role=Role.CASEWORKER)


def _open(user, **kw):
    data = {
        "full_name": "Айгүл Токтогулова",
        "birth_date": date(1994, 3, 8),
        "phone": "0555 12 34 56",
        "note": "Came with two children",
    }
    data.update(kw)
    return service.open_case(user, service.CaseInput(**data))


def _reload(case):
    db.session.expire_all()
    fields.forget_deks()
    return db.session.get(Case, case.id)


def test_open_then_read_round_trip(caseworker):
    case = _open(caseworker)
    detail = service.read_case(caseworker, _reload(case))
    assert detail.full_name == "Айгүл Токтогулова"
    assert detail.birth_date == date(1994, 3, 8)
    assert detail.phone == "+996555123456"  # stored normalised
    assert detail.note == "Came with two children"
    assert case.case_code.startswith("KG-")
    assert len(case.case_code) == 13


def test_columns_hold_ciphertext_only(caseworker):
    case = _open(caseworker)
    row = db.session.execute(select(Case.__table__).where(Case.__table__.c.id == case.id)).one()
    for column in ("full_name_ct", "birth_date_ct", "phone_ct", "note_ct"):
        blob = bytes(getattr(row, column))
        assert blob[:2] == b"\x01\x01"
        assert "Токтогулова".encode() not in blob
        assert b"555123456" not in blob
    key = db.session.get(CaseKey, case.id)
    assert len(key.wrapped_dek) == 40
    assert key.kek_id.startswith("kek-")


def test_open_case_audits_create_and_read_audits_read_with_ids_only(caseworker):
    case = _open(caseworker)
    service.read_case(caseworker, case)
    events = db.session.execute(
        select(AuditEvent).where(AuditEvent.target_id == str(case.id)).order_by(AuditEvent.id)
    ).scalars()
    actions = [e.action for e in events]
    assert actions == ["sensitive_create", "sensitive_read"]


def test_encrypted_attributes_cannot_be_read_set_or_filtered(caseworker):
    case = _open(caseworker)
    with pytest.raises(fields.EncryptedAttributeError):
        _ = case.full_name
    with pytest.raises(fields.EncryptedAttributeError):
        case.phone = "+996555000000"
    with pytest.raises(fields.EncryptedAttributeError):
        select(Case).where(Case.full_name == "Айгүл Токтогулова")
    with pytest.raises(fields.EncryptedAttributeError):
        select(Case).where(Case.full_name_ct == b"anything")
    with pytest.raises(fields.EncryptedAttributeError):
        select(Case).where(Case.phone_ct.in_([b"x"]))
    with pytest.raises(fields.EncryptedAttributeError):
        select(Case).order_by(Case.note_ct.desc())
    # IS NULL stays possible (erased cases have no ciphertext).
    assert db.session.execute(select(Case.id).where(Case.note_ct.is_(None))).first() is None


def test_repr_shows_no_identifying_value(caseworker):
    case = _open(caseworker)
    assert "Айгүл" not in repr(case)
    assert "555123456" not in repr(case)
    assert case.case_code in repr(case)


def test_invalid_phone_is_refused(caseworker):
    with pytest.raises(service.CaseError):
        _open(caseworker, phone="call me maybe")


# --- fail closed ----------------------------------------------------------------------


def _raw(case, column):
    return bytes(
        db.session.execute(
            select(Case.__table__.c[column]).where(Case.__table__.c.id == case.id)
        ).scalar_one()
    )


def _set_raw(case, **values):
    db.session.execute(
        update(Case.__table__).where(Case.__table__.c.id == case.id).values(**values)
    )


def test_value_swapped_between_cases_fails_closed(caseworker):
    a, b = _open(caseworker), _open(caseworker, full_name="Жылдыз Асанова")
    _set_raw(b, full_name_ct=_raw(a, "full_name_ct"))
    with pytest.raises(DecryptionError):
        service.read_case(caseworker, _reload(b))


def test_value_swapped_between_columns_fails_closed(caseworker):
    case = _open(caseworker)
    _set_raw(case, note_ct=_raw(case, "phone_ct"))
    with pytest.raises(DecryptionError) as info:
        service.read_case(caseworker, _reload(case))
    assert info.value.column == "note_ct"
    assert info.value.reason == "tag"


def test_wrapped_key_swapped_between_cases_fails_closed(caseworker):
    a, b = _open(caseworker), _open(caseworker, full_name="Жылдыз Асанова")
    key_a = db.session.get(CaseKey, a.id)
    db.session.execute(
        update(CaseKey)
        .where(CaseKey.case_id == b.id)
        .values(wrapped_dek=key_a.wrapped_dek, key_check=key_a.key_check)
    )
    with pytest.raises(DecryptionError) as info:
        service.read_case(caseworker, _reload(b))
    assert info.value.reason == "check"


def test_nulled_ciphertext_is_tampering_not_an_empty_value(caseworker):
    case = _open(caseworker, note=None)
    _set_raw(case, note_ct=None)
    with pytest.raises(DecryptionError):
        service.read_case(caseworker, _reload(case))


def test_missing_key_row_on_a_live_case_fails_closed(caseworker):
    case = _open(caseworker)
    db.session.execute(CaseKey.__table__.delete().where(CaseKey.__table__.c.case_id == case.id))
    with pytest.raises(KeyDestroyedError):
        service.read_case(caseworker, _reload(case))


# --- search ---------------------------------------------------------------------------


def test_search_by_phone_variants_and_cross_script_name(caseworker):
    case = _open(caseworker)
    _open(caseworker, full_name="Жылдыз Асанова", phone="0700 11 22 33")
    for term in ("+996 555 123 456", "0555123456", "996-555-12-34-56", "555 12 34 56"):
        result = service.search_cases(caseworker, term)
        assert result.kind == "phone"
        assert [r.case_code for r in result.cases] == [case.case_code]
    for term in ("Aigul Toktogulova", "токтогулова айгүл", "AYGUL TOKTOGULOVA"):
        result = service.search_cases(caseworker, term)
        assert result.kind == "name"
        assert [r.full_name for r in result.cases] == ["Айгүл Токтогулова"]


def test_a_latin_j_finds_both_readings_whichever_script_was_stored(caseworker):
    latin = _open(caseworker, full_name="Julija Jakovleva", phone=None)
    cyrillic = _open(caseworker, full_name="Ярослава Яковлева", phone=None)
    kyrgyz = _open(caseworker, full_name="Жылдыз Жумабаева", phone=None)
    _open(caseworker, full_name="Юлия Яковенко", phone=None)
    terms = ["Юлия Яковлева", "Yuliya Yakovleva", "Jaroslava Jakovleva"]
    terms += ["Yaroslava Yakovleva", "Jyldyz Jumabaeva", "Zhyldyz Zhumabaeva"]
    found = {t: [r.case_code for r in service.search_cases(caseworker, t).cases] for t in terms}
    assert found == {
        "Юлия Яковлева": [latin.case_code],
        "Yuliya Yakovleva": [latin.case_code],
        "Jaroslava Jakovleva": [cyrillic.case_code],
        "Yaroslava Yakovleva": [cyrillic.case_code],
        "Jyldyz Jumabaeva": [kyrgyz.case_code],
        "Zhyldyz Zhumabaeva": [kyrgyz.case_code],
    }


def test_search_drops_false_positives_after_decryption(app, caseworker):
    app.config["BLIND_INDEX_BITS"] = 1  # every value collides with half the others
    try:
        db.session.execute(db.delete(db.Model.metadata.tables["blind_index_versions"]))
        surnames = ["Asanova", "Bekova", "Dooronova", "Ermekova", "Isakova", "Joldosheva"]
        surnames += ["Kadyrova", "Mamatova", "Nurlanova", "Osmonova", "Sydykova", "Tashieva"]
        cases = [_open(caseworker, full_name=f"Aigerim {s}", phone=None) for s in surnames]
        result = service.search_cases(caseworker, "Aigerim Dooronova")
        assert result.candidates > 1
        assert [r.case_code for r in result.cases] == [cases[2].case_code]
    finally:
        app.config["BLIND_INDEX_BITS"] = 14


def test_search_is_scoped_and_audits_counts_never_the_term(caseworker):
    _open(caseworker)
    other = factories.UserFactory(role=Role.CASEWORKER)
    assert service.search_cases(other, "Aigul Toktogulova").cases == []
    event = (
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.action == "case_search")
            .order_by(AuditEvent.id.desc())
        )
        .scalars()
        .first()
    )
    assert event.detail == {"kind": "name", "candidates": 0, "matches": 0}


# --- update ---------------------------------------------------------------------------


def test_update_reencrypts_with_fresh_nonces_and_reindexes(caseworker):
    case = _open(caseworker)
    before = _raw(case, "full_name_ct")
    service.update_case(
        caseworker,
        case,
        service.CaseInput(full_name="Айгүл Токтогулова", phone="0700 000 001"),
        case.lock_version,
    )
    assert _raw(case, "full_name_ct") != before
    assert service.search_cases(caseworker, "0555123456").cases == []
    assert len(service.search_cases(caseworker, "0700000001").cases) == 1


def test_stale_lock_version_is_refused(caseworker):
    case = _open(caseworker)
    original = {"full_name": "Aigul Toktogulova"}
    db.session.flush()
    loaded = case.lock_version  # the version the two forms were loaded with
    service.update_case(caseworker, case, service.CaseInput(full_name="Saved First"), loaded)
    db.session.flush()
    with pytest.raises(service.StaleError) as stale:
        service.update_case(
            caseworker, case, service.CaseInput(full_name="X Y"), loaded, original=original
        )
    # The person sees what the other save changed, and nothing was overwritten.
    assert "full_name" in stale.value.changed
    assert stale.value.current["full_name"] == "Saved First"


# --- erasure --------------------------------------------------------------------------


def test_erasure_shreds_one_case_and_leaves_the_others_readable(caseworker):
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=caseworker.organisation)
    target = _open(caseworker)
    others = [_open(caseworker, full_name=f"Other {s}") for s in ("A", "B", "C", "D", "E")]
    saved_ct = _raw(target, "full_name_ct")
    service.erase_case(supervisor, target, ErasureReason.SURVIVOR_REQUEST)
    target = _reload(target)
    assert target.status == CaseStatus.ERASED
    assert target.is_erased
    assert db.session.get(CaseKey, target.id) is None
    assert (
        db.session.execute(
            select(CaseSearchIndex).where(CaseSearchIndex.case_id == target.id)
        ).first()
        is None
    )
    with pytest.raises(service.CaseErasedError):
        service.read_case(supervisor, target)
    # Even with the ciphertext restored from a backup, no key opens it.
    _set_raw(target, full_name_ct=saved_ct, erased_at=None)
    target = _reload(target)
    with pytest.raises(KeyDestroyedError):
        service.read_case(supervisor, target)
    readable = sum(
        service.read_case(supervisor, _reload(o)).full_name.startswith("Other") for o in others
    )
    event = (
        db.session.execute(select(AuditEvent).where(AuditEvent.action == "case_shredded"))
        .scalars()
        .one()
    )
    print(f"[security] shredding: erased case fields readable 0/4, other cases {readable}/5")
    assert readable == 5
    assert event.target_id == str(target.id)
    assert event.detail["reason"] == "survivor_request"
    assert service.search_cases(supervisor, "Aigul Toktogulova").cases == []


def test_only_a_supervisor_of_the_organisation_may_erase(caseworker):
    case = _open(caseworker)
    other_supervisor = factories.UserFactory(role=Role.SUPERVISOR)
    for user in (caseworker, other_supervisor):
        with pytest.raises(GrantError):
            service.erase_case(user, case, ErasureReason.SAFETY)
    assert db.session.get(CaseKey, case.id) is not None
