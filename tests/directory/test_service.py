"""Directory rules: locations, organisations, services, opening hours, audit."""

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.directory import service
from referral.directory.hours import HoursError, hours_display, parse_hours
from referral.directory.models import LocationLevel, OrganisationType, ServiceType
from referral.extensions import db
from tests import factories
from tests.directory.conftest import (
    AITMATOV,
    CHUY,
    NARYN_RAYON,
    READERS,
    SEES_CONFIDENTIAL,
    SOKULUK,
)


def _events(action):
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.execute(query).scalars())


def test_shipped_hierarchy_has_codes_names_and_the_aitmatov_renaming(kg):
    chuy = kg(CHUY)
    assert chuy.iso_3166_2 == "KG-C"
    assert chuy.name_ky == "Чүй облусу"
    aitmatov = kg(AITMATOV)
    assert aitmatov.name_en == "Aitmatov"
    assert "Kara-Buura" in aitmatov.former_name_text
    assert aitmatov.former_names[0]["until"] == "2023-04-10"
    assert service.load_locations() == 0  # idempotent


def test_descendants_and_ancestors_follow_the_hierarchy(kg):
    chuy, sokuluk = kg(CHUY), kg(SOKULUK)
    assert sokuluk.id in service.descendant_ids(chuy.id)
    assert kg(NARYN_RAYON).id not in service.descendant_ids(chuy.id)
    assert service.ancestor_ids(sokuluk.id) == [sokuluk.id, chuy.id]


def _village(parent_id, **kw):
    values = dict(
        code="41708222800001",
        level=LocationLevel.AIYL_AIMAK,
        parent_id=parent_id,
        name_ky="Жаңы-Жер",
        name_ru="Джаны-Джер",
        name_en="Jany-Jer",
    )
    values.update(kw)
    return service.LocationInput(**values)


def test_admin_adds_an_aiyl_aimak_under_a_rayon_and_it_is_audited(kg):
    loc = service.create_location(_village(kg(SOKULUK).id))
    assert loc.parent_id == kg(SOKULUK).id
    assert service.descendant_ids(kg(CHUY).id) >= {loc.id}
    assert [e.detail["code"] for e in _events("directory_location_created")] == [loc.code]


def test_an_aiyl_aimak_cannot_hang_under_an_oblast_nor_reuse_a_code(kg):
    with pytest.raises(service.DirectoryError) as exc:
        service.create_location(_village(kg(CHUY).id))
    assert exc.value.field == "parent_id"
    with pytest.raises(service.DirectoryError) as exc:
        service.create_location(_village(kg(SOKULUK).id, code=SOKULUK))
    assert exc.value.field == "code"


def test_former_names_parse_and_reject_bad_dates():
    assert service.parse_former_names("Kara-Buura | 2023-04-10\nКара-Буура") == [
        {"name": "Kara-Buura", "until": "2023-04-10"},
        {"name": "Кара-Буура", "until": None},
    ]
    with pytest.raises(service.DirectoryError):
        service.parse_former_names("Kara-Buura | April 2023")


def _org_input(**kw):
    values = dict(
        name_ky="", name_ru="Кризисный центр", name_en="", org_type=OrganisationType.SHELTER
    )
    values.update(kw)
    if "location_id" not in values:
        values["location_id"] = factories.LocationFactory().id
    return service.OrganisationInput(**values)


def test_an_organisation_needs_a_location_and_phones_someone_can_call(session):
    with pytest.raises(service.DirectoryError) as refused:
        service.create_organisation(_org_input(location_id=None))
    assert refused.value.field == "location_id"
    for number in ("12", "+996 12", "0312 12", "abc", "00000", "+1"):
        with pytest.raises(service.DirectoryError) as refused:
            service.create_organisation(_org_input(phones=[service.PhoneInput(number)]))
        assert refused.value.field == "phones-0-number", number
    good = ["112", "1212", "0312 123 456", "+996 (555) 12-34-56", "+7 495 123 45 67"]
    org = service.create_organisation(_org_input(phones=[service.PhoneInput(n) for n in good]))
    assert [p.number for p in org.phones] == good


def test_organisation_create_and_update_record_changed_fields_only(session):
    org = service.create_organisation(_org_input(phones=[service.PhoneInput("+996 312 000111")]))
    assert [p.number for p in org.phones] == ["+996 312 000111"]
    phone_id = org.phones[0].id
    assert (
        service.update_organisation(
            org,
            _org_input(location_id=org.location_id, phones=[service.PhoneInput("+996 312 000111")]),
        )
        == []
    )
    changed = service.update_organisation(
        org,
        _org_input(
            location_id=org.location_id,
            name_en="Crisis centre",
            phones=[service.PhoneInput("+996 312 000111", description="24h")],
        ),
    )
    assert changed == ["name_en", "phones"]
    session.expire(org)
    assert org.phones[0].id == phone_id  # ids stay stable for exchange partners
    assert _events("directory_organisation_updated")[-1].detail == {"fields": changed}


def test_organisation_needs_a_name_and_no_parent_cycle(session):
    with pytest.raises(service.DirectoryError):
        service.create_organisation(_org_input(name_ru=""))
    parent = factories.OrganisationFactory()
    child = service.create_organisation(_org_input(parent_id=parent.id))
    with pytest.raises(service.DirectoryError) as exc:
        service.update_organisation(
            parent, _org_input(parent_id=child.id, org_type=parent.org_type)
        )
    assert exc.value.field == "parent_id"


def test_type_change_refused_while_accounts_would_no_longer_fit(session):
    user = factories.UserFactory(role=Role.CASEWORKER)  # belongs to a crisis centre
    org = user.organisation
    with pytest.raises(service.DirectoryError) as exc:
        service.update_organisation(org, _org_input(org_type=OrganisationType.POLICE))
    assert exc.value.field == "org_type"


def _service_input(**kw):
    values = dict(
        service_type=ServiceType.CRISIS_CENTRE,
        name_ky="",
        name_ru="Консультации",
        name_en="",
        is_nationwide=True,
    )
    values.update(kw)
    return service.ServiceInput(**values)


def test_service_with_areas_languages_hours_and_sites(kg):
    org = factories.OrganisationFactory()
    site = factories.SiteFactory(organisation=org)
    svc = service.create_service(
        org,
        _service_input(
            is_nationwide=False,
            area_ids=[kg(SOKULUK).id],
            language_codes=["ky", "ru"],
            hours=parse_hours("Mo-Fr 09:00-18:00"),
            site_ids=[site.id],
            phones=[service.PhoneInput("1234")],
        ),
    )
    assert {a.location_id for a in svc.areas} == {kg(SOKULUK).id}
    assert sorted(lang.code for lang in svc.languages) == ["ky", "ru"]
    assert [(s.byday, s.opens_at, s.closes_at) for s in svc.schedules] == [
        ("MO,TU,WE,TH,FR", time(9, 0), time(18, 0))
    ]
    assert [s.site_id for s in svc.at_sites] == [site.id]
    changed = service.update_service(
        svc,
        _service_input(
            is_nationwide=False,
            area_ids=[kg(SOKULUK).id],
            language_codes=["ky"],
            hours=parse_hours("Mo-Fr 09:00-18:00"),
            site_ids=[site.id],
            phones=[service.PhoneInput("1234")],
        ),
    )
    assert changed == ["languages"]


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"is_nationwide": False}, "area_ids"),
        ({"minimum_age": 18, "maximum_age": 12}, "maximum_age"),
        ({"service_type": ServiceType.AKSAKAL_COURT}, "accepts_referrals"),
        ({"language_codes": ["xx"]}, "language_codes"),
        ({"name_ru": ""}, "name_ru"),
    ],
)
def test_service_rules_name_the_field_to_fix(session, kw, field):
    org = factories.OrganisationFactory()
    with pytest.raises(service.DirectoryError) as exc:
        service.create_service(org, _service_input(**kw))
    assert exc.value.field == field


def test_a_service_cannot_be_offered_at_another_organisations_premises(session):
    org = factories.OrganisationFactory()
    foreign = factories.SiteFactory()
    with pytest.raises(service.DirectoryError) as exc:
        service.create_service(org, _service_input(site_ids=[foreign.id]))
    assert exc.value.field == "site_ids"


def test_verification_and_the_twelve_month_staleness(session):
    user = factories.UserFactory(role=Role.ADMIN, email=None)
    svc = factories.ServiceFactory()
    assert service.is_stale(svc)
    service.verify_service(svc, user)
    assert svc.verified_at == date.today()
    assert svc.verified_by == user.username
    assert not service.is_stale(svc)
    assert service.is_stale(svc, today=date.today() + timedelta(days=366))
    svc.verified_at = date.today() - timedelta(days=400)
    assert svc in service.list_services(stale=True)


def test_list_filters_by_location_subtree_type_and_status(kg):
    in_chuy = factories.ServiceFactory(is_nationwide=False)
    factories.ServiceAreaFactory(service_id=in_chuy.id, location=kg(SOKULUK))
    in_naryn = factories.ServiceFactory(is_nationwide=False, service_type=ServiceType.HELPLINE)
    factories.ServiceAreaFactory(service_id=in_naryn.id, location=kg(NARYN_RAYON))
    found = service.list_services(location_id=kg(CHUY).id)
    assert in_chuy in found
    assert in_naryn not in found
    assert service.list_services(service_type=ServiceType.HELPLINE, search=in_naryn.name_ru) == [
        in_naryn
    ]
    in_chuy.organisation.is_active = False
    assert in_chuy not in service.list_services(active=True)
    assert in_chuy in service.list_services(active=False)


@pytest.mark.parametrize("kind", [*READERS, None])
def test_location_filter_counts_confidential_premises_only_for_who_may_see_them(
    shelter, reader, kind
):
    """The shelter's service lies in the village only through its confidential site: the
    filter finds it there for the shelter and administrators, for nobody else, and not
    when no reader is given. Its ordinary premises count for everyone."""
    svc, user = shelter["service"], reader(kind) if kind else None
    may_see = kind in SEES_CONFIDENTIAL
    for where in ("village", "rayon"):
        found = service.list_services(location_id=shelter[where].id, user=user)
        assert (svc in found) is may_see
    factories.ServiceAtSiteFactory(service_id=svc.id, site=shelter["office"])
    db.session.expire(svc)
    office_place = shelter["office"].location_id
    assert svc in service.list_services(location_id=office_place, user=user)


def test_search_folds_cyrillic_case(session):
    svc = factories.ServiceFactory(name_ru="Юридическая помощь")
    assert svc in service.list_services(search="юридическая")


def test_opening_hours_parse_and_display():
    rules = parse_hours("mo-fr 09:00-18:00; Sa 10:00 - 14:00")
    assert rules[0].days == ("MO", "TU", "WE", "TH", "FR")
    assert rules[1].opens_at == time(10, 0)

    class Row:
        def __init__(self, rule):
            self.byday, self.opens_at, self.closes_at = (
                ",".join(rule.days),
                rule.opens_at,
                rule.closes_at,
            )

    assert hours_display([Row(r) for r in rules]) == ["Mon-Fri 09:00–18:00", "Sat 10:00–14:00"]
    for bad in ("Mo-Fr 18:00-09:00", "weekdays 9-5", "Xx 09:00-10:00", "Fr-Mo 09:00-10:00"):
        with pytest.raises(HoursError):
            parse_hours(bad)
