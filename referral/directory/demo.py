"""Demo directory: providers and services in Chüy, Naryn, Osh and Batken, services of the
Bishkek demo organisations, and the national helplines.

Re-running adds nothing that is already there (organisations by English name, services
by organisation and type). Phone numbers of demo providers use the unassigned "000"
operator code on purpose, so that no real person is called from a demo; the national
helplines (112, 117, 111) are real and are left unverified: check them before launch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from referral.directory import service as directory
from referral.directory.hours import parse_hours
from referral.directory.models import (
    EligibleSex,
    LegalStatus,
    Organisation,
    OrganisationType,
    Sector,
    Service,
    ServiceType,
    Site,
)
from referral.extensions import db

DEMO_VERIFIED_ON = date(2026, 11, 1)
OT, ST = OrganisationType, ServiceType


@dataclass(frozen=True)
class Oblast:
    key: str
    oblast: str  # COATE
    rayon: str  # COATE of the demo rayon
    town: str  # COATE of the oblast centre (or the rayon)
    en: str
    ru_gen: str  # "Чуйской области"
    ky: str
    rayon_en: str
    rayon_ru_adj: str  # "Сокулукский"
    rayon_ru_gen: str  # "Сокулукского района"
    rayon_ky: str
    dial: str  # demo numbers: +996 100 <dial> ...
    languages: tuple[str, ...]
    extra_areas: tuple[str, ...] = ()


OBLASTS = (
    Oblast(
        "chuy", "41708000000000", "41708222000000", "41708222000000",
        "Chüy", "Чуйской области", "Чүй",
        "Sokuluk", "Сокулукский", "Сокулукского района", "Сокулук",
        "31", ("ky", "ru"),
    ),
    Oblast(
        "naryn", "41704000000000", "41704245000000", "41704400000010",
        "Naryn", "Нарынской области", "Нарын",
        "Naryn", "Нарынский", "Нарынского района", "Нарын",
        "35", ("ky", "ru"),
    ),
    Oblast(
        "osh", "41706000000000", "41706226000000", "41706226000000",
        "Osh", "Ошской области", "Ош",
        "Kara-Suu", "Кара-Сууйский", "Кара-Сууйского района", "Кара-Суу",
        "32", ("ky", "ru", "uz"), ("41721000000000",),
    ),
    Oblast(
        "batken", "41705000000000", "41705214000000", "41705410000010",
        "Batken", "Баткенской области", "Баткен",
        "Batken", "Баткенский", "Баткенского района", "Баткен",
        "36", ("ky", "ru", "uz", "tg"),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Offer:
    service_type: ServiceType
    en: str
    ru: str
    ky: str
    area: str = "rayon"  # "rayon", "oblast" or "nation"
    is_24h: bool = False
    hours: str = "Mo-Fr 09:00-18:00"
    sex: EligibleSex = EligibleSex.ANY
    max_age: int | None = None


@dataclass(frozen=True)
class Provider:
    key: str
    org_type: OrganisationType
    legal_status: LegalStatus
    sector: Sector
    en: str
    ru: str
    ky: str
    located: str  # "rayon" or "town"
    offers: tuple[Offer, ...]
    confidential: bool = False


PROVIDERS = (
    Provider(
        "police", OT.POLICE, LegalStatus.STATE, Sector.JUSTICE_POLICING,
        "{rayon_en} District Internal Affairs Department",
        "{rayon_ru_adj} РОВД",
        "{rayon_ky} районунун ички иштер бөлүмү",
        "rayon",
        (
            Offer(ST.POLICE_INTERNAL_AFFAIRS, "Duty unit: reports of violence",
                  "Дежурная часть: заявления о насилии", "Кезметчи бөлүк: зомбулук боюнча арыздар",
                  is_24h=True),
            Offer(ST.POLICE_DISTRICT_INSPECTOR,
                  "District inspectors: reports and protection orders",
                  "Участковые инспекторы: заявления и охранные ордера",
                  "Участкалык инспекторлор: арыздар жана коргоо ордерлери"),
            Offer(ST.PROTECTION_ORDER_ISSUING, "Protection orders (family violence)",
                  "Охранные ордера (семейное насилие)", "Коргоо ордерлери (үй-бүлөлүк зомбулук)"),
        ),
    ),
    Provider(
        "crisis", OT.CRISIS_CENTRE, LegalStatus.NGO, Sector.CIVIL_SOCIETY,
        "{en} Crisis Centre for Women and Children",
        "Кризисный центр для женщин и детей {ru_gen}",
        "{ky} облусунун аялдар жана балдар үчүн кризистик борбору",
        "town",
        (
            Offer(ST.CRISIS_CENTRE, "Crisis support and case management",
                  "Кризисная помощь и ведение случая", "Кризистик жардам жана учурду жүргүзүү",
                  area="oblast", hours="Mo-Fr 09:00-18:00; Sa 10:00-14:00"),
            Offer(ST.PSYCHOLOGIST_COUNSELLING, "Counselling for survivors",
                  "Консультации психолога для пострадавших", "Жабырлануучуларга психолог кеңеши",
                  area="oblast"),
        ),
    ),
    Provider(
        "health", OT.HEALTH, LegalStatus.STATE, Sector.HEALTH,
        "{rayon_en} Family Medicine Centre",
        "Центр семейной медицины {rayon_ru_gen}",
        "{rayon_ky} районунун үй-бүлөлүк медицина борбору",
        "rayon",
        (
            Offer(ST.HEALTH_PRIMARY_CARE, "Family doctors", "Семейные врачи",
                  "Үй-бүлөлүк дарыгерлер", hours="Mo-Fr 08:00-17:00; Sa 08:00-13:00"),
            Offer(ST.HEALTH_SEXUAL_REPRODUCTIVE,
                  "Care after rape (PEP, emergency contraception)",
                  "Помощь после изнасилования (ПКП, экстренная контрацепция)",
                  "Зордуктоодон кийинки жардам (ПКП, шашылыш контрацепция)", is_24h=True),
        ),
    ),
    Provider(
        "forensic", OT.HEALTH, LegalStatus.STATE, Sector.HEALTH,
        "Forensic Medical Examination Office, {en} Region",
        "Отделение судебно-медицинской экспертизы {ru_gen}",
        "{ky} облусунун соттук-медициналык экспертиза бөлүмү",
        "town",
        (
            Offer(ST.FORENSIC_MEDICAL_EXAMINATION, "Forensic medical examination",
                  "Судебно-медицинская экспертиза", "Соттук-медициналык экспертиза",
                  area="oblast"),
        ),
    ),
    Provider(
        "psych", OT.PSYCHOSOCIAL, LegalStatus.NGO, Sector.CIVIL_SOCIETY,
        "Psychological Support Office, {en} Region",
        "Кабинет психологической помощи {ru_gen}",
        "{ky} облусунун психологиялык жардам кабинети",
        "town",
        (
            Offer(ST.PSYCHOLOGIST_COUNSELLING, "Individual and group counselling",
                  "Индивидуальные и групповые консультации", "Жеке жана топтук кеңештер",
                  area="oblast"),
        ),
    ),
    Provider(
        "legal", OT.LEGAL_AID, LegalStatus.STATE, Sector.JUSTICE_POLICING,
        "State Legal Aid Centre, {en} Region",
        "Центр гарантированной государством юридической помощи {ru_gen}",
        "{ky} облусунун мамлекет кепилдеген юридикалык жардам борбору",
        "town",
        (
            Offer(ST.LEGAL_AID_STATE, "Free legal advice and representation",
                  "Бесплатная юридическая консультация и представительство",
                  "Акысыз юридикалык кеңеш жана өкүлчүлүк", area="oblast"),
        ),
    ),
    Provider(
        "shelter", OT.SHELTER, LegalStatus.NGO, Sector.CIVIL_SOCIETY,
        "{en} Safe House",
        "Убежище для женщин и детей {ru_gen}",
        "{ky} облусунун аялдар жана балдар үчүн коопсуз үйү",
        "town",
        (
            Offer(ST.SHELTER_SAFE_ACCOMMODATION, "Safe accommodation for women and children",
                  "Безопасное проживание для женщин и детей",
                  "Аялдар жана балдар үчүн коопсуз жашоо", area="oblast", is_24h=True,
                  sex=EligibleSex.FEMALE),
        ),
        confidential=True,
    ),
    Provider(
        "social", OT.SOCIAL_PROTECTION, LegalStatus.STATE, Sector.SOCIAL_SERVICES,
        "{rayon_en} District Department of Labour, Social Security and Migration",
        "Управление труда, социального обеспечения и миграции {rayon_ru_gen}",
        "{rayon_ky} районунун эмгек, социалдык камсыздоо жана миграция башкармалыгы",
        "rayon",
        (
            Offer(ST.SOCIAL_PROTECTION_DEPARTMENT, "Benefits and support in difficult situations",
                  "Пособия и поддержка в трудной жизненной ситуации",
                  "Жөлөкпулдар жана оор кырдаалда колдоо"),
            Offer(ST.CHILD_PROTECTION_FAMILY_SUPPORT, "Family and child support unit",
                  "Отдел поддержки семьи и детей", "Үй-бүлөнү жана балдарды колдоо бөлүмү",
                  max_age=17),
        ),
    ),
)  # fmt: skip

# The Chüy crisis centre's caseworker owns the demo's counted Sokuluk cases.
CHUY_CRISIS_CENTRE = "Chüy Crisis Centre for Women and Children"

# Services for the Bishkek organisations that referral.demo.service creates.
BISHKEK_OFFERS = {
    "Bishkek Crisis Centre for Women": (
        Offer(ST.CRISIS_CENTRE, "Crisis support and case management",
              "Кризисная помощь и ведение случая", "Кризистик жардам жана учурду жүргүзүү",
              area="city", is_24h=True),
    ),
    "Oktyabr District Internal Affairs Department": (
        Offer(ST.POLICE_INTERNAL_AFFAIRS, "Duty unit: reports of violence",
              "Дежурная часть: заявления о насилии", "Кезметчи бөлүк: зомбулук боюнча арыздар",
              area="city", is_24h=True),
        # The pathways' police step: the district inspector takes the report.
        Offer(ST.POLICE_DISTRICT_INSPECTOR, "District inspectors: reports and protection orders",
              "Участковые инспекторы: заявления и охранные ордера",
              "Участкалык инспекторлор: арыздар жана коргоо ордерлери", area="city"),
    ),
    'Psychological Support Practice "Ishenim"': (
        Offer(ST.PSYCHOLOGIST_COUNSELLING, "Counselling", "Консультации психолога",
              "Психолог кеңеши", area="city"),
    ),
    "Family Medicine Centre No. 6": (
        Offer(ST.HEALTH_SEXUAL_REPRODUCTIVE, "Care after rape (PEP, emergency contraception)",
              "Помощь после изнасилования (ПКП, экстренная контрацепция)",
              "Зордуктоодон кийинки жардам (ПКП, шашылыш контрацепция)", area="city",
              is_24h=True),
    ),
    'Legal Aid NGO "Adilet"': (
        Offer(ST.LEGAL_AID_NGO, "Legal advice and court representation",
              "Юридические консультации и представительство в суде",
              "Юридикалык кеңеш жана сотто өкүлчүлүк", area="city"),
    ),
    "Safe House for Women and Children": (
        Offer(ST.SHELTER_SAFE_ACCOMMODATION, "Safe accommodation for women and children",
              "Безопасное проживание для женщин и детей",
              "Аялдар жана балдар үчүн коопсуз жашоо", area="city", is_24h=True,
              sex=EligibleSex.FEMALE),
    ),
    "Oktyabr District Department of Social Protection": (
        Offer(ST.SOCIAL_PROTECTION_DEPARTMENT, "Benefits and support in difficult situations",
              "Пособия и поддержка в трудной жизненной ситуации",
              "Жөлөкпулдар жана оор кырдаалда колдоо", area="city"),
    ),
}  # fmt: skip

# (org en, ru, ky, type, number, offer) — to verify before launch (domain.md §3.4).
HELPLINES = (
    (
        "Emergency Call Service 112", "Служба экстренных вызовов 112",
        "112 шашылыш чалуулар кызматы", OT.POLICE, "112",
        Offer(ST.HELPLINE, "112: single emergency number", "112: единый номер экстренных служб",
              "112: бирдиктүү шашылыш номер", area="nation", is_24h=True),
    ),
    (
        "Ministry of Labour, Social Security and Migration: line 117",
        "Минтруда, социального обеспечения и миграции: линия 117",
        "Эмгек, социалдык камсыздоо жана миграция министрлиги: 117 линиясы",
        OT.SOCIAL_PROTECTION, "117",
        Offer(ST.HELPLINE, "117: information and referral for survivors of family violence",
              "117: информация и направление для пострадавших от семейного насилия",
              "117: үй-бүлөлүк зомбулуктан жабыр тарткандарга маалымат жана жолдомо",
              area="nation", hours="Mo-Fr 09:00-18:00"),
    ),
    (
        "Helpline for Children 111", "Телефон доверия для детей 111",
        "Балдар үчүн ишеним телефону 111", OT.SOCIAL_PROTECTION, "111",
        Offer(ST.HELPLINE, "111: helpline for children (adults may call too)",
              "111: телефон доверия для детей (звонят и взрослые)",
              "111: балдар үчүн ишеним телефону (чоңдор да чалат)", area="nation", is_24h=True),
    ),
)  # fmt: skip


def _org(en: str, ru: str, ky: str, org_type, **fields) -> tuple[Organisation, bool]:
    org = db.session.execute(
        select(Organisation).where(Organisation.name_en == en)
    ).scalar_one_or_none()
    if org is not None:
        return org, False
    data = directory.OrganisationInput(name_ky=ky, name_ru=ru, name_en=en, org_type=org_type)
    for name, value in fields.items():
        setattr(data, name, value)
    return directory.create_organisation(data), True


def _offer(org: Organisation, offer: Offer, area_ids, languages, phone: str, verified: bool):
    exists = db.session.execute(
        select(Service).where(
            Service.organisation_id == org.id, Service.service_type == offer.service_type
        )
    ).first()
    if exists:
        return 0
    svc = directory.create_service(
        org,
        directory.ServiceInput(
            service_type=offer.service_type,
            name_ky=offer.ky,
            name_ru=offer.ru,
            name_en=offer.en,
            eligible_sex=offer.sex,
            maximum_age=offer.max_age,
            is_24h=offer.is_24h,
            accepts_referrals=offer.service_type != ST.HELPLINE,
            is_nationwide=offer.area == "nation",
            area_ids=list(area_ids),
            language_codes=list(languages),
            hours=[] if offer.is_24h else parse_hours(offer.hours),
            site_ids=[s.id for s in org.sites if not s.is_confidential],
            phones=[directory.PhoneInput(phone)],
        ),
    )
    if verified:
        svc.verified_at, svc.verified_by = DEMO_VERIFIED_ON, "demo"
    return 1


def seed() -> int:
    """Returns the number of services added."""
    added = 0
    code = directory.location_by_code
    for ob in OBLASTS:
        tokens = {k: getattr(ob, k) for k in ob.__dataclass_fields__}
        areas = {
            "rayon": [code(ob.rayon).id],
            "oblast": [code(ob.oblast).id, *(code(c).id for c in ob.extra_areas)],
        }
        for number, p in enumerate(PROVIDERS, start=1):
            place = code(ob.rayon if p.located == "rayon" else ob.town)
            org, created = _org(
                p.en.format(**tokens),
                p.ru.format(**tokens),
                p.ky.format(**tokens),
                p.org_type,
                legal_status=p.legal_status,
                sector=p.sector,
                location_id=place.id,
            )
            if created:
                directory.create_site(
                    org,
                    directory.SiteInput(
                        name_ky="Негизги кеңсе",
                        name_ru="Основной офис",
                        name_en="Main office",
                        location_id=place.id,
                        address=f"{10 + number} Demo Street",
                        is_confidential=p.confidential,
                    ),
                )
            db.session.flush()
            db.session.refresh(org)
            for offer in p.offers:
                # +996 100 is well-formed but no operator's range: demo numbers call nobody.
                phone = f"+996 100 {ob.dial}{number:01d} {len(offer.en):03d}"
                added += _offer(org, offer, areas[offer.area], ob.languages, phone, True)
    bishkek = code("41711000000000")
    for en, offers in BISHKEK_OFFERS.items():
        org = db.session.execute(
            select(Organisation).where(Organisation.name_en == en)
        ).scalar_one_or_none()
        if org is None:
            continue
        if org.org_type == OT.SHELTER and not org.sites:
            db.session.add(
                Site(
                    organisation_id=org.id,
                    name_en="Safe house",
                    name_ru="Убежище",
                    name_ky="Коопсуз үй",
                    location_id=bishkek.id,
                    address="Demo address, not public",
                    is_confidential=True,
                )
            )
            db.session.flush()
            db.session.refresh(org)
        for offer in offers:
            phone = f"+996 100 300 {len(offer.en):03d}"
            added += _offer(org, offer, [bishkek.id], ("ky", "ru"), phone, True)
    for en, ru, ky, org_type, number, offer in HELPLINES:
        # National lines: the organisation sits in Bishkek, the service covers the nation.
        org, _created = _org(
            en, ru, ky, org_type, legal_status=LegalStatus.STATE, location_id=bishkek.id
        )
        added += _offer(org, offer, [], ("ky", "ru"), number, False)
    db.session.flush()
    return added
