"""Assessment: the incidents of a case (GBVIMS type, local flags, Kyrgyz legal category),
their perpetrators, risk assessments with their safety plans, and needs by area.

Plain columns hold the GBVIMS statistics data points (domain.md §2.2) and nothing
finer: the type, the flags, the date, the time-of-day band, the place type, the rayon.
What a survivor or caseworker writes in words (the narrative, a perpetrator's name, the
safety plan, the needs) is encrypted, each in its own field unit.

Risk and needs assessments are history: a reassessment is a new row, never an edit, so
the case shows how the danger evolved. The latest risk row is copied to the case
(`Case.risk_level`, `Case.immediate_danger`) for the lists.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.cases.models.case import AgeBand, CaseChild, RiskLevel, Sex
from referral.crypto import grants as U
from referral.crypto.fields import Ciphertext, encrypted
from referral.db import LabelledEnum, TimestampMixin, str_enum, utcnow
from referral.extensions import db


class GBVType(LabelledEnum):
    """The six GBVIMS core types, in the order the classification tool asks about them
    (domain.md §2.1), plus non-GBV."""

    RAPE = "rape"
    SEXUAL_ASSAULT = "sexual_assault"
    PHYSICAL_ASSAULT = "physical_assault"
    FORCED_MARRIAGE = "forced_marriage"
    DENIAL = "denial_of_resources_opportunities_or_services"
    PSYCHOLOGICAL = "psychological_emotional_abuse"
    NON_GBV = "non_gbv"

    @property
    def is_sexual(self) -> bool:
        return self in (GBVType.RAPE, GBVType.SEXUAL_ASSAULT)


GBVType.LABELS = {
    GBVType.RAPE: _l("Rape"),
    GBVType.SEXUAL_ASSAULT: _l("Sexual assault"),
    GBVType.PHYSICAL_ASSAULT: _l("Physical assault"),
    GBVType.FORCED_MARRIAGE: _l("Forced marriage (including early marriage)"),
    GBVType.DENIAL: _l("Denial of resources, opportunities or services"),
    GBVType.PSYCHOLOGICAL: _l("Psychological or emotional abuse"),
    GBVType.NON_GBV: _l("Not GBV"),
}


class AbductionType(LabelledEnum):
    NONE = "none"
    FORCED_CONSCRIPTION = "forced_conscription"
    TRAFFICKED = "trafficked"
    OTHER = "other_abduction"  # other abduction or kidnapping, including ala kachuu


AbductionType.LABELS = {
    AbductionType.NONE: _l("No abduction"),
    AbductionType.FORCED_CONSCRIPTION: _l("Forced conscription"),
    AbductionType.TRAFFICKED: _l("Trafficked"),
    AbductionType.OTHER: _l("Other abduction or kidnapping"),
}


class MarriageRegistration(LabelledEnum):
    CIVIL = "civil"
    RELIGIOUS_ONLY = "religious_only"  # nikah only: no legal effect
    NONE = "none"
    NOT_APPLICABLE = "not_applicable"


MarriageRegistration.LABELS = {
    MarriageRegistration.CIVIL: _l("Registered (civil)"),
    MarriageRegistration.RELIGIOUS_ONLY: _l("Religious only (nikah)"),
    MarriageRegistration.NONE: _l("Not registered"),
    MarriageRegistration.NOT_APPLICABLE: _l("Not applicable"),
}


class LegalCategory(LabelledEnum):
    """Kyrgyz legal category (domain.md §3.1, §3.2): family violence under law No. 63,
    the Criminal Code articles 175–178, sexual violence."""

    FAMILY_PHYSICAL = "family_physical"
    FAMILY_PSYCHOLOGICAL = "family_psychological"
    FAMILY_ECONOMIC = "family_economic"
    FAMILY_NEGLECT = "family_neglect"
    ABDUCTION_FOR_MARRIAGE = "abduction_for_marriage"  # art. 175
    FORCED_MARRIAGE_OF_MINOR = "forced_marriage_of_minor"  # art. 176
    FORCED_MARRIAGE = "forced_marriage"  # art. 177
    UNDERAGE_RELIGIOUS_MARRIAGE = "underage_religious_marriage"  # art. 178
    SEXUAL_VIOLENCE = "sexual_violence"
    OTHER = "other"


LegalCategory.LABELS = {
    LegalCategory.FAMILY_PHYSICAL: _l("Family violence: physical (law No. 63)"),
    LegalCategory.FAMILY_PSYCHOLOGICAL: _l("Family violence: psychological (law No. 63)"),
    LegalCategory.FAMILY_ECONOMIC: _l("Family violence: economic (law No. 63)"),
    LegalCategory.FAMILY_NEGLECT: _l("Family violence: neglect (law No. 63)"),
    LegalCategory.ABDUCTION_FOR_MARRIAGE: _l("Abduction for marriage (Criminal Code art. 175)"),
    LegalCategory.FORCED_MARRIAGE_OF_MINOR: _l(
        "Forcing a person under 18 into marriage (Criminal Code art. 176)"
    ),
    LegalCategory.FORCED_MARRIAGE: _l("Forcing a person to marry (Criminal Code art. 177)"),
    LegalCategory.UNDERAGE_RELIGIOUS_MARRIAGE: _l(
        "Religious marriage rite with a minor (Criminal Code art. 178)"
    ),
    LegalCategory.SEXUAL_VIOLENCE: _l("Sexual violence (Criminal Code)"),
    LegalCategory.OTHER: _l("Other"),
}


class TimeOfDay(LabelledEnum):
    MORNING = "morning"  # 06:00–11:59
    AFTERNOON = "afternoon"  # 12:00–17:59
    EVENING_NIGHT = "evening_night"  # 18:00–05:59
    UNKNOWN = "unknown"


TimeOfDay.LABELS = {
    TimeOfDay.MORNING: _l("Morning"),
    TimeOfDay.AFTERNOON: _l("Afternoon"),
    TimeOfDay.EVENING_NIGHT: _l("Evening or night"),
    TimeOfDay.UNKNOWN: _l("Not known"),
}


class PlaceType(LabelledEnum):
    SURVIVOR_HOME = "survivor_home"
    PERPETRATOR_HOME = "perpetrator_home"
    SHARED_HOME = "shared_home"
    RELATIVE_HOME = "relative_home"
    STREET = "street"
    PUBLIC_TRANSPORT = "public_transport"
    SCHOOL = "school"
    WORKPLACE = "workplace"
    MARKET = "market"
    HEALTH_FACILITY = "health_facility"
    POLICE_STATION = "police_station"
    RELIGIOUS_SITE = "religious_site"
    FIELD_PASTURE = "field_pasture"
    ONLINE = "online"
    OTHER = "other"


PlaceType.LABELS = {
    PlaceType.SURVIVOR_HOME: _l("Survivor's home"),
    PlaceType.PERPETRATOR_HOME: _l("Perpetrator's home"),
    PlaceType.SHARED_HOME: _l("Home they share"),
    PlaceType.RELATIVE_HOME: _l("A relative's home"),
    PlaceType.STREET: _l("Street"),
    PlaceType.PUBLIC_TRANSPORT: _l("Public transport"),
    PlaceType.SCHOOL: _l("School"),
    PlaceType.WORKPLACE: _l("Workplace"),
    PlaceType.MARKET: _l("Market"),
    PlaceType.HEALTH_FACILITY: _l("Health facility"),
    PlaceType.POLICE_STATION: _l("Police station"),
    PlaceType.RELIGIOUS_SITE: _l("Religious site"),
    PlaceType.FIELD_PASTURE: _l("Field or pasture"),
    PlaceType.ONLINE: _l("Online"),
    PlaceType.OTHER: _l("Other"),
}


class ReportingDelay(LabelledEnum):
    """Days between the incident and the first report to us (GBVIMS bands, with 0–3
    strictly, so that the band agrees with the 72-hour window)."""

    D0_3 = "0-3"
    D4_5 = "4-5"
    D6_14 = "6-14"
    D15_30 = "15-30"
    OVER_30 = "30+"

    @classmethod
    def for_days(cls, days: int) -> ReportingDelay:
        for limit, band in ((3, cls.D0_3), (5, cls.D4_5), (14, cls.D6_14), (30, cls.D15_30)):
            if days <= limit:
                return band
        return cls.OVER_30


ReportingDelay.LABELS = {
    ReportingDelay.D0_3: _l("0–3 days"),
    ReportingDelay.D4_5: _l("4–5 days"),
    ReportingDelay.D6_14: _l("6–14 days"),
    ReportingDelay.D15_30: _l("2 weeks to 1 month"),
    ReportingDelay.OVER_30: _l("More than 1 month"),
}


class PerpetratorCount(LabelledEnum):
    ONE = "1"
    TWO = "2"
    THREE = "3"
    MORE = "more_than_3"

    @property
    def limit(self) -> int | None:
        """How many perpetrators may be recorded (None: no limit)."""
        return None if self is PerpetratorCount.MORE else int(self.value)


PerpetratorCount.LABELS = {
    PerpetratorCount.ONE: _l("One"),
    PerpetratorCount.TWO: _l("Two"),
    PerpetratorCount.THREE: _l("Three"),
    PerpetratorCount.MORE: _l("More than three"),
}


class PerpetratorRelationship(LabelledEnum):
    """The 14 GBVIMS values (Primero's lookup-perpetrator-relationship ids)."""

    INTIMATE_PARTNER = "intimate_partner_former_partner"
    PRIMARY_CAREGIVER = "primary_caregiver"
    FAMILY_OTHER = "family_other_than_spouse_or_caregiver"
    SUPERVISOR_EMPLOYER = "supervisor_employer"
    SCHOOLMATE = "schoolmate"
    TEACHER = "teacher_school_official"
    SERVICE_PROVIDER = "service_provider"
    COTENANT = "cotenant_housemate"
    FAMILY_FRIEND = "family_friend_neighbor"
    OTHER_DISPLACED = "other_refugee_idp_returnee"
    COMMUNITY_MEMBER = "other_resident_community_member"
    OTHER = "other"
    NO_RELATION = "no_relation"
    UNKNOWN = "unknown"


PerpetratorRelationship.LABELS = {
    PerpetratorRelationship.INTIMATE_PARTNER: _l("Intimate partner or former partner"),
    PerpetratorRelationship.PRIMARY_CAREGIVER: _l("Primary caregiver"),
    PerpetratorRelationship.FAMILY_OTHER: _l("Other family member"),
    PerpetratorRelationship.SUPERVISOR_EMPLOYER: _l("Supervisor or employer"),
    PerpetratorRelationship.SCHOOLMATE: _l("Schoolmate"),
    PerpetratorRelationship.TEACHER: _l("Teacher or school official"),
    PerpetratorRelationship.SERVICE_PROVIDER: _l("Service provider"),
    PerpetratorRelationship.COTENANT: _l("Cotenant or housemate"),
    PerpetratorRelationship.FAMILY_FRIEND: _l("Family friend or neighbour"),
    PerpetratorRelationship.OTHER_DISPLACED: _l("Other refugee, displaced person or returnee"),
    PerpetratorRelationship.COMMUNITY_MEMBER: _l("Other member of the community"),
    PerpetratorRelationship.OTHER: _l("Other"),
    PerpetratorRelationship.NO_RELATION: _l("No relation"),
    PerpetratorRelationship.UNKNOWN: _l("Not known"),
}


class RiskFactor(LabelledEnum):
    """Common lethality factors (a fixed checklist, stored as a JSON list of codes)."""

    THREATS_TO_KILL = "threats_to_kill"
    WEAPON = "weapon"
    STRANGULATION = "strangulation"
    ESCALATION = "escalation"
    PREGNANCY = "pregnancy"
    SEPARATION = "separation"
    SUBSTANCE_USE = "substance_use"
    CHILDREN_AT_RISK = "children_at_risk"


RiskFactor.LABELS = {
    RiskFactor.THREATS_TO_KILL: _l("He threatened to kill her (or the children)"),
    RiskFactor.WEAPON: _l("He has used or threatened with a weapon, or has access to one"),
    RiskFactor.STRANGULATION: _l("He has strangled or choked her"),
    RiskFactor.ESCALATION: _l("The violence is getting more frequent or more severe"),
    RiskFactor.PREGNANCY: _l("She is pregnant or recently gave birth"),
    RiskFactor.SEPARATION: _l("She has left him or is trying to leave"),
    RiskFactor.SUBSTANCE_USE: _l("He abuses alcohol or drugs"),
    RiskFactor.CHILDREN_AT_RISK: _l("Children are at risk"),
}


class NeedPriority(LabelledEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


NeedPriority.LABELS = {
    NeedPriority.NONE: _l("No need"),
    NeedPriority.LOW: _l("Low"),
    NeedPriority.MEDIUM: _l("Medium"),
    NeedPriority.HIGH: _l("High"),
}

# Need areas: (code, unit of its free text, label). The order is the page's order.
NEED_AREAS = (
    ("safety", U.NEEDS_SAFETY, _l("Safety")),
    ("health", U.NEEDS_HEALTH, _l("Health")),
    ("psychosocial", U.NEEDS_PSYCHOSOCIAL, _l("Psychosocial")),
    ("legal", U.NEEDS_LEGAL, _l("Legal and justice")),
    ("material", U.NEEDS_MATERIAL, _l("Material and basic needs")),
    ("child", U.NEEDS_CHILD, _l("Children")),
)


class Incident(CaseChild, TimestampMixin, db.Model):
    __tablename__ = "incidents"
    # The home page asks for the open medical windows of the last 120 hours; statistics
    # count a period of reports and join each to its case (migration 0014).
    __table_args__ = (
        Index("ix_incidents_occurred_at", "occurred_at"),
        Index("ix_incidents_report_date_case", "report_date", "case_id"),
    )

    gbv_type: Mapped[GBVType] = mapped_column(str_enum(GBVType, 50))
    # The classification tool's answers, in its order; None: not asked (after a "yes").
    q_penetration: Mapped[bool | None] = mapped_column(Boolean)
    q_sexual_contact: Mapped[bool | None] = mapped_column(Boolean)
    q_physical_assault: Mapped[bool | None] = mapped_column(Boolean)
    q_forced_marriage: Mapped[bool | None] = mapped_column(Boolean)
    q_denial: Mapped[bool | None] = mapped_column(Boolean)
    q_psychological: Mapped[bool | None] = mapped_column(Boolean)
    # The caseworker suspects sexual violence although the type is another one: the
    # medical windows are shown for this incident too.
    possible_sexual_violence: Mapped[bool] = mapped_column(Boolean, default=False)

    ala_kachuu: Mapped[bool] = mapped_column(Boolean, default=False)
    early_marriage: Mapped[bool] = mapped_column(Boolean, default=False)
    money_goods_exchanged: Mapped[bool] = mapped_column(Boolean, default=False)
    abduction_type: Mapped[AbductionType] = mapped_column(
        str_enum(AbductionType, 30), default=AbductionType.NONE
    )
    reported_to_police: Mapped[bool] = mapped_column(Boolean, default=False)
    reported_to_health: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_incidents: Mapped[bool] = mapped_column(Boolean, default=False)
    marriage_registration: Mapped[MarriageRegistration | None] = mapped_column(
        str_enum(MarriageRegistration, 20)
    )
    legal_category: Mapped[LegalCategory | None] = mapped_column(str_enum(LegalCategory, 30))

    # Typed in Asia/Bishkek, stored in UTC; without a known time, midday of that day.
    occurred_at: Mapped[datetime]
    is_time_known: Mapped[bool] = mapped_column(Boolean, default=False)
    time_of_day: Mapped[TimeOfDay] = mapped_column(
        str_enum(TimeOfDay, 20), default=TimeOfDay.UNKNOWN
    )
    report_date: Mapped[date] = mapped_column(Date)
    reporting_delay: Mapped[ReportingDelay] = mapped_column(str_enum(ReportingDelay, 10))
    place_type: Mapped[PlaceType | None] = mapped_column(str_enum(PlaceType, 20))
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"), index=True)
    perpetrator_count: Mapped[PerpetratorCount | None] = mapped_column(
        str_enum(PerpetratorCount, 12)
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    narrative_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    narrative = encrypted(U.NARRATIVE)

    perpetrators: Mapped[list[Perpetrator]] = relationship(
        back_populates="incident",
        order_by=lambda: (Perpetrator.is_primary.desc(), Perpetrator.created_at),
        lazy="select",
    )

    @property
    def shows_medical_windows(self) -> bool:
        return self.gbv_type.is_sexual or self.possible_sexual_violence


class Perpetrator(CaseChild, TimestampMixin, db.Model):
    __tablename__ = "perpetrators"

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    sex: Mapped[Sex | None] = mapped_column(str_enum(Sex, 10))
    age_group: Mapped[AgeBand] = mapped_column(str_enum(AgeBand, 10), default=AgeBand.UNKNOWN)
    relationship_to_survivor: Mapped[PerpetratorRelationship] = mapped_column(
        str_enum(PerpetratorRelationship, 40), default=PerpetratorRelationship.UNKNOWN
    )
    lives_with_survivor: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_gbv: Mapped[bool] = mapped_column(Boolean, default=False)

    name_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    name = encrypted(U.PERPETRATOR_NAME)

    incident: Mapped[Incident] = relationship(back_populates="perpetrators")


class RiskAssessment(CaseChild, db.Model):
    """One assessment of the danger she is in, with the safety plan made at that time.
    Never edited: a reassessment is a new row."""

    __tablename__ = "risk_assessments"
    __table_args__ = (Index("ix_risk_assessments_case_at", "case_id", "assessed_at"),)

    level: Mapped[RiskLevel] = mapped_column(str_enum(RiskLevel, 10))
    immediate_danger: Mapped[bool] = mapped_column(Boolean, default=False)
    factors: Mapped[list] = mapped_column(JSON, default=list)
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
    assessed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    has_safety_plan: Mapped[bool] = mapped_column(Boolean, default=False)

    safety_concern_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    safety_warning_signs_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    safety_where_to_go_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    safety_who_to_call_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    safety_items_prepared_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    safety_concern = encrypted(U.SAFETY_PLAN)
    safety_warning_signs = encrypted(U.SAFETY_PLAN)
    safety_where_to_go = encrypted(U.SAFETY_PLAN)
    safety_who_to_call = encrypted(U.SAFETY_PLAN)
    safety_items_prepared = encrypted(U.SAFETY_PLAN)

    assessed_by = relationship("User", lazy="select")


class NeedsAssessment(CaseChild, db.Model):
    """Her needs by area at one time: a priority (plain, for statistics and planning)
    and what she needs in words (encrypted, one unit per area). Kept as history."""

    __tablename__ = "needs_assessments"
    __table_args__ = (Index("ix_needs_assessments_case_at", "case_id", "assessed_at"),)

    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
    assessed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    safety_priority: Mapped[NeedPriority] = mapped_column(
        str_enum(NeedPriority, 10), default=NeedPriority.NONE
    )
    health_priority: Mapped[NeedPriority] = mapped_column(
        str_enum(NeedPriority, 10), default=NeedPriority.NONE
    )
    psychosocial_priority: Mapped[NeedPriority] = mapped_column(
        str_enum(NeedPriority, 10), default=NeedPriority.NONE
    )
    legal_priority: Mapped[NeedPriority] = mapped_column(
        str_enum(NeedPriority, 10), default=NeedPriority.NONE
    )
    material_priority: Mapped[NeedPriority] = mapped_column(
        str_enum(NeedPriority, 10), default=NeedPriority.NONE
    )
    child_priority: Mapped[NeedPriority] = mapped_column(
        str_enum(NeedPriority, 10), default=NeedPriority.NONE
    )

    safety_text_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    health_text_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    psychosocial_text_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    legal_text_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    material_text_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    child_text_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    safety_text = encrypted(U.NEEDS_SAFETY)
    health_text = encrypted(U.NEEDS_HEALTH)
    psychosocial_text = encrypted(U.NEEDS_PSYCHOSOCIAL)
    legal_text = encrypted(U.NEEDS_LEGAL)
    material_text = encrypted(U.NEEDS_MATERIAL)
    child_text = encrypted(U.NEEDS_CHILD)

    assessed_by = relationship("User", lazy="select")
