"""stats facts: the counted cases, incidents and referrals, for fast statistics

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 07:10:00

Three narrow tables holding exactly what the statistics count (cases not erased whose
latest reporting consent is given; their incidents; their sent referrals) with the
plain dimensions the figures group and filter by. The services keep them current in
their own transactions (`referral.stats.facts.refresh_case`). The upgrade fills them
from the existing rows with the same rule in plain SQL; `flask stats rebuild` does the
same from the application's own code at any time (after a restore, or as a check).
"""

import sqlalchemy as sa
from alembic import op

import referral.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

COUNTED = """
    c.erased_at IS NULL AND c.status <> 'erased'
    AND EXISTS (
        SELECT 1 FROM case_consents k
        WHERE k.case_id = c.id AND k.kind = 'reporting' AND k.decision = 'given'
          AND k.seq = (SELECT max(k2.seq) FROM case_consents k2
                       WHERE k2.case_id = c.id AND k2.kind = 'reporting'))
"""


def _backfill():
    # The SQL is built from the constant fragments above only (no input): S608 below.
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        month = "to_char(i.report_date, 'YYYY-MM')"
    else:
        month = "strftime('%Y-%m', i.report_date)"
    op.execute(
        "INSERT INTO stats_cases (case_id, organisation_id, residence_id, sex, age_band, "  # noqa: S608
        "created_at, closed_at, closure_reason) "
        "SELECT c.id, c.organisation_id, c.residence_location_id, c.sex, c.age_band, "
        f"c.created_at, c.closed_at, c.closure_reason FROM cases c WHERE {COUNTED}"
    )
    op.execute(
        "INSERT INTO stats_incidents (incident_id, case_id, organisation_id, residence_id, "  # noqa: S608
        "place_id, report_date, month, gbv_type, sex, age_band, relationship, place_type, "
        "ala_kachuu, early_marriage, reporting_delay) "
        "SELECT i.id, i.case_id, c.organisation_id, c.residence_location_id, "
        "coalesce(i.location_id, c.residence_location_id), i.report_date, "
        f"{month}, i.gbv_type, c.sex, c.age_band, "
        "(SELECT min(p.relationship_to_survivor) FROM perpetrators p "
        " WHERE p.incident_id = i.id AND p.is_primary), "
        "i.place_type, i.ala_kachuu, i.early_marriage, i.reporting_delay "
        f"FROM incidents i JOIN cases c ON c.id = i.case_id WHERE {COUNTED}"
    )
    op.execute(
        "INSERT INTO stats_referrals (referral_id, case_id, organisation_id, residence_id, "  # noqa: S608
        "sex, age_band, to_org_id, service_type, status, decline_reason, sent_at, due_at, "
        "responded_at) "
        "SELECT r.id, r.case_id, c.organisation_id, c.residence_location_id, c.sex, "
        "c.age_band, r.to_org_id, r.service_type, r.status, r.decline_reason, r.sent_at, "
        "r.due_at, r.responded_at "
        f"FROM referrals r JOIN cases c ON c.id = r.case_id WHERE r.status <> 'draft' AND {COUNTED}"
    )


def upgrade():

    op.create_table(
        "stats_cases",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("residence_id", sa.Uuid(), nullable=True),
        sa.Column(
            "sex",
            sa.Enum("female", "male", "unknown", name="sex", native_enum=False, length=10),
            nullable=True,
        ),
        sa.Column(
            "age_band",
            sa.Enum(
                "0-11",
                "12-17",
                "18-25",
                "26-40",
                "41-60",
                "61+",
                "unknown",
                name="ageband",
                native_enum=False,
                length=10,
            ),
            nullable=True,
        ),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closure_reason", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_stats_cases_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_stats_cases")),
    )
    op.create_index("ix_stats_cases_closed_at", "stats_cases", ["closed_at"], unique=False)
    op.create_index("ix_stats_cases_created_at", "stats_cases", ["created_at"], unique=False)
    op.create_index(
        op.f("ix_stats_cases_organisation_id"), "stats_cases", ["organisation_id"], unique=False
    )
    op.create_index(
        op.f("ix_stats_cases_residence_id"), "stats_cases", ["residence_id"], unique=False
    )
    op.create_table(
        "stats_incidents",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("residence_id", sa.Uuid(), nullable=True),
        sa.Column("place_id", sa.Uuid(), nullable=True),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column(
            "gbv_type",
            sa.Enum(
                "rape",
                "sexual_assault",
                "physical_assault",
                "forced_marriage",
                "denial_of_resources_opportunities_or_services",
                "psychological_emotional_abuse",
                "non_gbv",
                name="gbvtype",
                native_enum=False,
                length=50,
            ),
            nullable=False,
        ),
        sa.Column(
            "sex",
            sa.Enum("female", "male", "unknown", name="sex", native_enum=False, length=10),
            nullable=True,
        ),
        sa.Column(
            "age_band",
            sa.Enum(
                "0-11",
                "12-17",
                "18-25",
                "26-40",
                "41-60",
                "61+",
                "unknown",
                name="ageband",
                native_enum=False,
                length=10,
            ),
            nullable=True,
        ),
        sa.Column(
            "relationship",
            sa.Enum(
                "intimate_partner_former_partner",
                "primary_caregiver",
                "family_other_than_spouse_or_caregiver",
                "supervisor_employer",
                "schoolmate",
                "teacher_school_official",
                "service_provider",
                "cotenant_housemate",
                "family_friend_neighbor",
                "other_refugee_idp_returnee",
                "other_resident_community_member",
                "other",
                "no_relation",
                "unknown",
                name="perpetratorrelationship",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column(
            "place_type",
            sa.Enum(
                "survivor_home",
                "perpetrator_home",
                "shared_home",
                "relative_home",
                "street",
                "public_transport",
                "school",
                "workplace",
                "market",
                "health_facility",
                "police_station",
                "religious_site",
                "field_pasture",
                "online",
                "other",
                name="placetype",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("ala_kachuu", sa.Boolean(), nullable=False),
        sa.Column("early_marriage", sa.Boolean(), nullable=False),
        sa.Column(
            "reporting_delay",
            sa.Enum(
                "0-3",
                "4-5",
                "6-14",
                "15-30",
                "30+",
                name="reportingdelay",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_stats_incidents_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_stats_incidents_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_stats_incidents")),
    )
    op.create_index(
        "ix_stats_incidents_case", "stats_incidents", ["case_id", "place_id"], unique=False
    )
    op.create_index(
        op.f("ix_stats_incidents_organisation_id"),
        "stats_incidents",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        "ix_stats_incidents_place_date",
        "stats_incidents",
        ["place_id", "report_date"],
        unique=False,
    )
    op.create_index(
        "ix_stats_incidents_report_date", "stats_incidents", ["report_date"], unique=False
    )
    op.create_table(
        "stats_referrals",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("residence_id", sa.Uuid(), nullable=True),
        sa.Column(
            "sex",
            sa.Enum("female", "male", "unknown", name="sex", native_enum=False, length=10),
            nullable=True,
        ),
        sa.Column(
            "age_band",
            sa.Enum(
                "0-11",
                "12-17",
                "18-25",
                "26-40",
                "41-60",
                "61+",
                "unknown",
                name="ageband",
                native_enum=False,
                length=10,
            ),
            nullable=True,
        ),
        sa.Column("to_org_id", sa.Uuid(), nullable=False),
        sa.Column(
            "service_type",
            sa.Enum(
                "police_internal_affairs",
                "police_district_inspector",
                "protection_order_issuing",
                "forensic_medical_examination",
                "health_primary_care",
                "health_hospital",
                "health_sexual_reproductive",
                "mental_health",
                "psychologist_counselling",
                "crisis_centre",
                "shelter_safe_accommodation",
                "single_window_centre",
                "legal_aid_state",
                "legal_aid_ngo",
                "social_protection_department",
                "child_protection_family_support",
                "helpline",
                "livelihoods_economic",
                "education",
                "identity_documents",
                "perpetrator_correctional_programme",
                "local_self_government",
                "prevention_committee",
                "aksakal_court",
                "other",
                name="servicetype",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "sent",
                "acknowledged",
                "accepted",
                "declined",
                "appointment_scheduled",
                "service_provided",
                "completed",
                "withdrawn",
                name="referralstatus",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "decline_reason",
            sa.Enum(
                "service_unavailable",
                "not_eligible",
                "survivor_declined",
                "unable_to_contact",
                "other",
                name="declinereason",
                native_enum=False,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("sent_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responded_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_stats_referrals_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_stats_referrals_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_stats_referrals")),
    )
    op.create_index(
        "ix_stats_referrals_case", "stats_referrals", ["case_id", "to_org_id"], unique=False
    )
    op.create_index(
        op.f("ix_stats_referrals_organisation_id"),
        "stats_referrals",
        ["organisation_id"],
        unique=False,
    )
    op.create_index("ix_stats_referrals_sent_at", "stats_referrals", ["sent_at"], unique=False)
    op.create_index(
        "ix_stats_referrals_to_org_sent", "stats_referrals", ["to_org_id", "sent_at"], unique=False
    )
    _backfill()


def downgrade():

    op.drop_index("ix_stats_referrals_to_org_sent", table_name="stats_referrals")
    op.drop_index("ix_stats_referrals_sent_at", table_name="stats_referrals")
    op.drop_index(op.f("ix_stats_referrals_organisation_id"), table_name="stats_referrals")
    op.drop_index("ix_stats_referrals_case", table_name="stats_referrals")
    op.drop_table("stats_referrals")
    op.drop_index("ix_stats_incidents_report_date", table_name="stats_incidents")
    op.drop_index("ix_stats_incidents_place_date", table_name="stats_incidents")
    op.drop_index(op.f("ix_stats_incidents_organisation_id"), table_name="stats_incidents")
    op.drop_index("ix_stats_incidents_case", table_name="stats_incidents")
    op.drop_table("stats_incidents")
    op.drop_index(op.f("ix_stats_cases_residence_id"), table_name="stats_cases")
    op.drop_index(op.f("ix_stats_cases_organisation_id"), table_name="stats_cases")
    op.drop_index("ix_stats_cases_created_at", table_name="stats_cases")
    op.drop_index("ix_stats_cases_closed_at", table_name="stats_cases")
    op.drop_table("stats_cases")
