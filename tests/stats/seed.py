"""Plain statistics rows for the stats tests, inserted directly: statistics read plain
columns only, so the cases need no identity, no ciphertext and no data key (a case
opened through the intake service would cost a key each, for nothing counted here).
Writing around the services, the seeder calls the statistics hook they call
(`stats.facts.refresh_case`) after each row, as they do."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from referral.auth.permissions import Role
from referral.cases.models import (
    AgeBand,
    Case,
    CaseStatus,
    GBVType,
    Incident,
    Perpetrator,
    PerpetratorRelationship,
    ReportingDelay,
    Sex,
)
from referral.cases.models.consent import Consent, ConsentDecision, ConsentKind
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from referral.referrals.models import Referral, ReferralStatus
from referral.stats.facts import refresh_case
from tests import factories

_codes = itertools.count(1)


@dataclass
class Seeder:
    centre: object
    worker: object

    @classmethod
    def make(cls, centre=None) -> Seeder:
        centre = centre or factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
        worker = factories.UserFactory(role=Role.CASEWORKER, organisation=centre)
        return cls(centre, worker)

    def case(
        self,
        *,
        consent: ConsentDecision | None = ConsentDecision.GIVEN,
        sex: Sex | None = Sex.FEMALE,
        age_band: AgeBand | None = AgeBand.A26_40,
        residence=None,
        erased: bool = False,
    ) -> Case:
        case = Case(
            case_code=f"ST-{next(_codes):06d}",
            organisation_id=self.centre.id,
            owner_id=self.worker.id,
            sex=sex,
            age_band=age_band,
            residence_location_id=residence.id if residence is not None else None,
            status=CaseStatus.ERASED if erased else CaseStatus.OPEN,
            erased_at=datetime.now(UTC) if erased else None,
        )
        db.session.add(case)
        db.session.flush()
        if consent is not None:
            self.consent(case, consent)
        refresh_case(case.id)
        return case

    def consent(self, case: Case, decision: ConsentDecision) -> None:
        seq = (
            db.session.query(db.func.max(Consent.seq)).filter(Consent.case_id == case.id).scalar()
            or 0
        )
        db.session.add(
            Consent(
                case_id=case.id,
                seq=seq + 1,
                kind=ConsentKind.REPORTING,
                decision=decision,
                recorded_by_id=self.worker.id,
            )
        )
        refresh_case(case.id)

    def incident(
        self,
        case: Case,
        *,
        on: date,
        gbv_type: GBVType = GBVType.PHYSICAL_ASSAULT,
        place=None,
        ala_kachuu: bool = False,
        early_marriage: bool = False,
        delay: ReportingDelay = ReportingDelay.D0_3,
        relationship: PerpetratorRelationship | None = None,
    ) -> Incident:
        incident = Incident(
            case_id=case.id,
            gbv_type=gbv_type,
            occurred_at=datetime(on.year, on.month, on.day, 6, tzinfo=UTC),
            report_date=on,
            reporting_delay=delay,
            location_id=place.id if place is not None else None,
            ala_kachuu=ala_kachuu,
            early_marriage=early_marriage,
        )
        db.session.add(incident)
        db.session.flush()
        if relationship is not None:
            db.session.add(
                Perpetrator(
                    case_id=case.id,
                    incident_id=incident.id,
                    is_primary=True,
                    relationship_to_survivor=relationship,
                )
            )
        refresh_case(case.id)
        return incident

    def referral(
        self,
        case: Case,
        to_org,
        *,
        sent: datetime,
        status: ReferralStatus = ReferralStatus.SENT,
        service_type: ServiceType = ServiceType.POLICE_DISTRICT_INSPECTOR,
        answer_hours: float | None = None,
        due_hours: float = 72,
        **extra,
    ) -> Referral:
        referral = Referral(
            case_id=case.id,
            from_org_id=self.centre.id,
            from_user_id=self.worker.id,
            to_org_id=to_org.id,
            service_type=service_type,
            status=status,
            sent_at=sent,
            due_at=sent + timedelta(hours=due_hours),
            responded_at=None if answer_hours is None else sent + timedelta(hours=answer_hours),
            **extra,
        )
        db.session.add(referral)
        refresh_case(case.id)
        return referral
