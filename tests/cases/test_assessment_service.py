"""Assessment services: the GBVIMS classification, the date rules, the medical windows,
perpetrators, risk with its safety plan, needs, and the open windows of the home page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import event, select

from referral.auth.permissions import Role
from referral.cases import service
from referral.cases.models import (
    AbductionType,
    CaseStatus,
    ErasureReason,
    GBVType,
    Incident,
    NeedPriority,
    NeedsAssessment,
    Perpetrator,
    PerpetratorCount,
    PerpetratorRelationship,
    ReportingDelay,
    RiskAssessment,
    RiskFactor,
    RiskLevel,
    TimeOfDay,
)
from referral.cases.service import assessment, incidents, perpetrators, risk
from referral.cases.service.common import CaseError, StaleError
from referral.cases.timeutil import to_local
from referral.crypto.grants import GrantError
from referral.extensions import db
from tests import factories

# 18:00 in Bishkek.
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
NO = dict.fromkeys(assessment.ANSWERS, False)


@pytest.fixture
def worker():
    return factories.UserFactory(role=Role.CASEWORKER)


@pytest.fixture
def case(worker):
    return service.open_case(worker, service.CaseInput(full_name="Айгүл Токтогулова"))


def _when(hours_ago: float) -> dict:
    local = to_local(NOW - timedelta(hours=hours_ago))
    return {"incident_date": local.date(), "incident_time": local.time().replace(microsecond=0)}


def _incident(**kw) -> incidents.IncidentInput:
    data = {**NO, "q_penetration": True, **_when(10), "report_date": to_local(NOW).date()}
    data.update(kw)
    return incidents.IncidentInput(**data)


def _add(user, case, **kw) -> Incident:
    return incidents.add_incident(user, case, _incident(**kw), now=NOW)


def _fields(error: CaseError) -> set:
    return {f for f, _m in error.errors}


# --- classification ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yes", "expected"),
    [
        ("q_penetration", GBVType.RAPE),
        ("q_sexual_contact", GBVType.SEXUAL_ASSAULT),
        ("q_physical_assault", GBVType.PHYSICAL_ASSAULT),
        ("q_forced_marriage", GBVType.FORCED_MARRIAGE),
        ("q_denial", GBVType.DENIAL),
        ("q_psychological", GBVType.PSYCHOLOGICAL),
        (None, GBVType.NON_GBV),
    ],
)
def test_the_first_yes_decides_the_type(yes, expected):
    answers = dict(NO)
    if yes:
        answers[yes] = True
    assert assessment.classify(answers) == expected


def test_later_yeses_do_not_change_the_type():
    answers = {**NO, "q_physical_assault": True, "q_forced_marriage": True, "q_denial": True}
    assert assessment.classify(answers) == GBVType.PHYSICAL_ASSAULT


def test_bride_kidnapping_with_rape_is_rape_with_the_local_flags(worker, case):
    incident = _add(worker, case, q_forced_marriage=True, ala_kachuu=True, early_marriage=True)
    assert incident.gbv_type == GBVType.RAPE
    assert incident.ala_kachuu
    assert incident.early_marriage
    assert incident.abduction_type == AbductionType.OTHER  # ala kachuu is an abduction
    assert incident.q_penetration is True
    assert incident.q_forced_marriage is True


def test_bride_kidnapping_without_rape_is_a_forced_marriage(worker, case):
    answers = {**NO, "q_penetration": False, "q_forced_marriage": True}
    incident = _add(worker, case, **answers, ala_kachuu=True, abduction_type=AbductionType.NONE)
    assert incident.gbv_type == GBVType.FORCED_MARRIAGE
    assert incident.abduction_type == AbductionType.NONE  # what the caseworker chose stands


def test_questions_before_the_first_yes_must_be_answered(worker, case):
    answers = dict.fromkeys(assessment.ANSWERS)  # nothing answered
    answers.update(q_penetration=False, q_physical_assault=True)
    with pytest.raises(CaseError) as refused:
        _add(worker, case, **answers)
    assert _fields(refused.value) == {"q_sexual_contact"}
    # After the first yes, the remaining questions may stay unanswered.
    answers["q_sexual_contact"] = False
    incident = _add(worker, case, **answers)
    assert incident.gbv_type == GBVType.PHYSICAL_ASSAULT
    assert incident.q_denial is None


# --- dates and derived values -----------------------------------------------------------


def test_every_date_rule_is_reported_at_once(worker, case):
    today = to_local(NOW).date()
    with pytest.raises(CaseError) as refused:
        _add(
            worker,
            case,
            incident_date=today + timedelta(days=1),
            incident_time=None,
            report_date=today + timedelta(days=2),
            q_penetration=None,
        )
    assert _fields(refused.value) == {"incident_date", "report_date", "q_penetration"}
    assert db.session.execute(select(Incident)).first() is None


def test_an_incident_later_today_is_in_the_future(worker, case):
    with pytest.raises(CaseError) as refused:
        _add(worker, case, incident_date=to_local(NOW).date(), incident_time=time(23, 0))
    assert _fields(refused.value) == {"incident_time"}


def test_the_incident_cannot_be_after_the_report(worker, case):
    today = to_local(NOW).date()
    with pytest.raises(CaseError) as refused:
        _add(worker, case, incident_date=today, report_date=today - timedelta(days=1))
    assert _fields(refused.value) == {"incident_date"}


def test_the_report_date_defaults_to_today(worker, case):
    incident = _add(worker, case, report_date=None)
    assert incident.report_date == to_local(NOW).date()


def test_time_given_in_bishkek_is_stored_in_utc(worker, case):
    incident = _add(worker, case, incident_date=date(2026, 11, 29), incident_time=time(2, 30))
    assert incident.occurred_at == datetime(2026, 11, 28, 20, 30, tzinfo=UTC)
    assert incident.is_time_known
    assert incident.time_of_day == TimeOfDay.EVENING_NIGHT


def test_without_a_time_the_incident_counts_from_midday_and_never_after_now(worker, case):
    earlier = _add(worker, case, incident_date=date(2026, 11, 28), incident_time=None)
    assert earlier.occurred_at == datetime(2026, 11, 28, 6, 0, tzinfo=UTC)  # 12:00 Bishkek
    assert not earlier.is_time_known
    assert earlier.time_of_day == TimeOfDay.UNKNOWN
    morning = NOW.replace(hour=3)  # 09:00 in Bishkek
    today = incidents.add_incident(
        worker, case, _incident(incident_date=date(2026, 11, 30), incident_time=None), now=morning
    )
    assert today.occurred_at == morning


def test_a_time_of_day_that_contradicts_the_time_is_refused(worker, case):
    with pytest.raises(CaseError) as refused:
        _add(worker, case, incident_time=time(8, 0), time_of_day=TimeOfDay.EVENING_NIGHT)
    assert _fields(refused.value) == {"time_of_day"}


@pytest.mark.parametrize(
    ("days", "band"),
    [
        (0, ReportingDelay.D0_3),
        (3, ReportingDelay.D0_3),
        (4, ReportingDelay.D4_5),
        (5, ReportingDelay.D4_5),
        (6, ReportingDelay.D6_14),
        (14, ReportingDelay.D6_14),
        (15, ReportingDelay.D15_30),
        (30, ReportingDelay.D15_30),
        (31, ReportingDelay.OVER_30),
    ],
)
def test_reporting_delay_bands_with_zero_to_three_strictly(days, band):
    report = date(2026, 11, 30)
    assert assessment.reporting_delay(report - timedelta(days=days), report) == band


def test_the_delay_band_is_stored_for_statistics(worker, case):
    incident = _add(worker, case, **_when(24 * 5))
    assert incident.reporting_delay == ReportingDelay.D4_5


@pytest.mark.parametrize(
    ("hours", "pep", "ec"),
    [(71, True, True), (73, False, True), (119, False, True), (121, False, False)],
)
def test_medical_windows(hours, pep, ec):
    windows = assessment.medical_windows(NOW - timedelta(hours=hours), NOW)
    assert (windows.pep_open, windows.ec_open) == (pep, ec)
    assert round(windows.hours_since) == hours
    if pep:
        assert round(windows.pep_hours_left) == 72 - hours
    if ec:
        assert round(windows.ec_hours_left) == 120 - hours


def test_narrative_is_encrypted_and_read_back_on_the_case_page(worker, case):
    incident = _add(worker, case, narrative="  Он пришёл ночью  ")
    raw = db.session.execute(
        select(Incident.__table__.c.narrative_ct).where(Incident.__table__.c.id == incident.id)
    ).scalar_one()
    assert "пришёл".encode() not in bytes(raw)
    (view,) = incidents.read_incidents(worker, case, now=NOW)
    assert view.narrative == "Он пришёл ночью"
    assert view.windows_open
    assert view.windows.pep_open


def test_update_replaces_the_incident_and_a_stale_save_names_what_changed(worker, case):
    incident = _add(worker, case, narrative="first")
    version = incident.lock_version
    incidents.update_incident(
        worker,
        case,
        incident,
        _incident(q_penetration=False, q_sexual_contact=True, narrative="second"),
        version,
        now=NOW,
    )
    assert incident.gbv_type == GBVType.SEXUAL_ASSAULT
    with pytest.raises(StaleError) as stale:
        incidents.update_incident(
            worker, case, incident, _incident(narrative="mine"), version, now=NOW
        )
    assert {"narrative", "q_penetration", "q_sexual_contact"} <= set(stale.value.changed)
    assert stale.value.current["narrative"] == "second"
    assert stale.value.current["lock_version"] == incident.lock_version


def test_a_closed_case_refuses_new_incidents(worker, case):
    case.status = CaseStatus.CLOSED
    with pytest.raises(service.CaseClosedError):
        _add(worker, case)


def test_another_caseworker_cannot_record_an_incident(case):
    stranger = factories.UserFactory(role=Role.CASEWORKER)
    with pytest.raises(GrantError):
        _add(stranger, case)


def test_erasure_removes_incidents_and_perpetrators(worker, case):
    incident = _add(worker, case)
    perpetrators.add_perpetrator(
        worker, case, incident, perpetrators.PerpetratorInput(PerpetratorRelationship.UNKNOWN)
    )
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=worker.organisation)
    service.erase_case(supervisor, case, ErasureReason.SURVIVOR_REQUEST)
    assert db.session.execute(select(Incident)).first() is None
    assert db.session.execute(select(Perpetrator)).first() is None


# --- perpetrators -----------------------------------------------------------------------


def _perp(**kw) -> perpetrators.PerpetratorInput:
    data = {"relationship_to_survivor": PerpetratorRelationship.INTIMATE_PARTNER, **kw}
    return perpetrators.PerpetratorInput(**data)


def test_the_first_perpetrator_is_the_main_one_until_another_is_marked(worker, case):
    incident = _add(worker, case)
    first = perpetrators.add_perpetrator(worker, case, incident, _perp(name="Бакыт"))
    second = perpetrators.add_perpetrator(worker, case, incident, _perp())
    assert first.is_primary
    assert not second.is_primary
    third = perpetrators.add_perpetrator(worker, case, incident, _perp(is_primary=True))
    assert third.is_primary
    assert not first.is_primary
    (view,) = incidents.read_incidents(worker, case, now=NOW)
    assert view.perpetrators[0].id == third.id
    assert {p.name for p in view.perpetrators} == {"Бакыт", None}


def test_the_relationship_is_required_and_the_main_one_cannot_be_unmarked(worker, case):
    incident = _add(worker, case)
    with pytest.raises(CaseError) as refused:
        perpetrators.add_perpetrator(worker, case, incident, perpetrators.PerpetratorInput())
    assert _fields(refused.value) == {"relationship_to_survivor"}
    main = perpetrators.add_perpetrator(worker, case, incident, _perp())
    perpetrators.add_perpetrator(worker, case, incident, _perp())
    with pytest.raises(CaseError) as refused:
        perpetrators.update_perpetrator(worker, case, main, _perp(), main.lock_version)
    assert _fields(refused.value) == {"is_primary"}


def test_no_more_perpetrators_than_the_incident_counts(worker, case):
    incident = _add(worker, case, perpetrator_count=PerpetratorCount.ONE)
    perpetrators.add_perpetrator(worker, case, incident, _perp())
    with pytest.raises(CaseError):
        perpetrators.add_perpetrator(worker, case, incident, _perp())
    # The number on the incident can be raised instead, and not lowered below the recorded.
    two = _incident(perpetrator_count=PerpetratorCount.TWO)
    incidents.update_incident(worker, case, incident, two, incident.lock_version, now=NOW)
    perpetrators.add_perpetrator(worker, case, incident, _perp())
    with pytest.raises(CaseError) as refused:
        one = _incident(perpetrator_count=PerpetratorCount.ONE)
        incidents.update_incident(worker, case, incident, one, incident.lock_version, now=NOW)
    assert _fields(refused.value) == {"perpetrator_count"}


def test_a_stale_perpetrator_save_is_refused(worker, case):
    incident = _add(worker, case)
    p = perpetrators.add_perpetrator(worker, case, incident, _perp(name="Бакыт"))
    version = p.lock_version
    perpetrators.update_perpetrator(
        worker, case, p, _perp(name="Бакыт Ж.", is_primary=True), version
    )
    with pytest.raises(StaleError) as stale:
        perpetrators.update_perpetrator(worker, case, p, _perp(is_primary=True), version)
    assert stale.value.changed == ["name"]
    assert stale.value.current["name"] == "Бакыт Ж."


# --- risk -------------------------------------------------------------------------------


def _risk(level, **kw) -> risk.RiskInput:
    return risk.RiskInput(level=level, **kw)


PLAN = {"safety_concern": "He has a key", "safety_where_to_go": "Her sister in Kant"}


@pytest.mark.parametrize("level", [RiskLevel.MEDIUM, RiskLevel.HIGH])
def test_medium_and_high_risk_need_a_safety_plan(worker, case, level):
    with pytest.raises(CaseError) as refused:
        risk.assess_risk(worker, case, _risk(level), None)
    assert _fields(refused.value) == {"safety_concern", "safety_where_to_go"}
    assert case.risk_level is None
    record = risk.assess_risk(worker, case, _risk(level, **PLAN), None)
    assert record.has_safety_plan
    assert case.risk_level == level


def test_low_risk_needs_no_plan_and_immediate_danger_means_high(worker, case):
    record = risk.assess_risk(worker, case, _risk(RiskLevel.LOW), None)
    assert not record.has_safety_plan
    assert case.risk_level == RiskLevel.LOW
    with pytest.raises(CaseError) as refused:
        risk.assess_risk(worker, case, _risk(RiskLevel.LOW, immediate_danger=True), record.id)
    assert _fields(refused.value) == {"level"}


def test_reassessments_are_kept_and_the_latest_is_copied_to_the_case(worker, case):
    first = risk.assess_risk(
        worker,
        case,
        _risk(RiskLevel.HIGH, immediate_danger=True, factors=(RiskFactor.WEAPON,), **PLAN),
        None,
        now=NOW,
    )
    assert case.risk_level == RiskLevel.HIGH
    assert case.immediate_danger
    second = risk.assess_risk(worker, case, _risk(RiskLevel.LOW), first.id, now=NOW + timedelta(1))
    assert case.risk_level == RiskLevel.LOW
    assert not case.immediate_danger
    rows = db.session.execute(select(RiskAssessment)).scalars().all()
    assert len(rows) == 2
    assert first.factors == ["weapon"]
    assert first.level == RiskLevel.HIGH
    current, earlier = risk.read_risk(worker, case)
    assert current.id == second.id
    assert [e.id for e in earlier] == [first.id]
    assert earlier[0].factors == (RiskFactor.WEAPON,)
    assert earlier[0].plan == {}
    assert risk.risk_values(worker, case, first)["safety_concern"] == "He has a key"


def test_a_reassessment_from_an_old_form_is_stale(worker, case):
    first = risk.assess_risk(worker, case, _risk(RiskLevel.LOW), None)
    risk.assess_risk(worker, case, _risk(RiskLevel.HIGH, **PLAN), first.id)
    with pytest.raises(StaleError) as stale:
        risk.assess_risk(worker, case, _risk(RiskLevel.LOW), first.id)
    assert "level" in stale.value.changed
    assert stale.value.current["level"] == RiskLevel.HIGH
    with pytest.raises(StaleError):  # nobody had assessed, and now someone has
        risk.assess_risk(worker, case, _risk(RiskLevel.LOW), None)
    assert case.risk_level == RiskLevel.HIGH


# --- needs ------------------------------------------------------------------------------


def test_needs_are_kept_as_history_and_the_latest_is_shown(worker, case):
    first = risk.assess_needs(
        worker,
        case,
        risk.NeedsInput(safety_priority=NeedPriority.HIGH, safety_text="A safe place tonight"),
        None,
        now=NOW,
    )
    second = risk.assess_needs(
        worker,
        case,
        risk.NeedsInput(legal_priority=NeedPriority.MEDIUM, legal_text="Divorce, alimony"),
        first.id,
        now=NOW + timedelta(days=1),
    )
    assert len(db.session.execute(select(NeedsAssessment)).all()) == 2
    current, earlier = risk.read_needs(worker, case)
    assert current.id == second.id
    assert [e.id for e in earlier] == [first.id]
    needs = {n.area: n for n in current.needs}
    assert needs["legal"].text == "Divorce, alimony"
    assert needs["legal"].priority.value == "medium"
    assert needs["safety"].priority == NeedPriority.NONE
    assert needs["safety"].text is None
    assert {n.area: n.priority for n in earlier[0].needs}["safety"] == NeedPriority.HIGH


def test_a_need_in_words_needs_a_priority_and_old_forms_are_stale(worker, case):
    with pytest.raises(CaseError) as refused:
        risk.assess_needs(worker, case, risk.NeedsInput(child_text="School"), None)
    assert _fields(refused.value) == {"child_priority"}
    first = risk.assess_needs(worker, case, risk.NeedsInput(), None)
    risk.assess_needs(worker, case, risk.NeedsInput(), first.id)
    with pytest.raises(StaleError):
        risk.assess_needs(worker, case, risk.NeedsInput(), first.id)


# --- open medical windows for the home page ---------------------------------------------


def _statements():
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    return seen, count


def test_open_windows_lists_only_my_cases_with_open_windows(worker, case):
    rape = _add(worker, case, **_when(71))
    _add(worker, case, **_when(121))  # both windows closed
    assault = {**NO, "q_physical_assault": True}
    _add(worker, case, **assault, **_when(2))  # not sexual
    flagged = _add(worker, case, **assault, **_when(119), possible_sexual_violence=True)
    colleague = factories.UserFactory(role=Role.CASEWORKER, organisation=worker.organisation)
    theirs = service.open_case(colleague, service.CaseInput(full_name="Жылдыз Асанова"))
    _add(colleague, theirs, **_when(1))
    stranger = factories.UserFactory(role=Role.CASEWORKER)
    other_org = service.open_case(stranger, service.CaseInput(full_name="Чолпон Ибраимова"))
    _add(stranger, other_org, **_when(1))
    db.session.flush()

    seen, count = _statements()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        windows = assessment.open_medical_windows(worker, now=NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(seen) == 1
    assert [w.incident_id for w in windows] == [flagged.id, rape.id]  # most urgent first
    assert {w.case_code for w in windows} == {case.case_code}
    by_id = {w.incident_id: w for w in windows}
    assert by_id[rape.id].pep_hours_left is not None
    assert round(by_id[rape.id].pep_hours_left) == 1
    assert by_id[flagged.id].pep_hours_left is None
    assert round(by_id[flagged.id].ec_hours_left) == 1

    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=worker.organisation)
    codes = {w.case_code for w in assessment.open_medical_windows(supervisor, now=NOW)}
    assert codes == {case.case_code, theirs.case_code}  # the whole centre, not the other one
    assert assessment.open_medical_windows(stranger, now=NOW)[0].case_code == other_org.case_code


def test_open_windows_leave_out_closed_cases(worker, case):
    _add(worker, case, **_when(5))
    case.status = CaseStatus.CLOSED
    db.session.flush()
    assert assessment.open_medical_windows(worker, now=NOW) == []
