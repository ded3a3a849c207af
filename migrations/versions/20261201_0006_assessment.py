"""assessment: incidents (GBVIMS type, local flags, legal category), perpetrators, risk
assessments with their safety plans, needs assessments

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:30:00

Plain columns hold only GBVIMS statistics data points; the narrative, perpetrator names,
safety plans and needs in words are ciphertext (`*_ct`). Risk and needs assessments are
append-only history.
"""

import sqlalchemy as sa
from alembic import op

import referral.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "incidents",
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
        sa.Column("q_penetration", sa.Boolean(), nullable=True),
        sa.Column("q_sexual_contact", sa.Boolean(), nullable=True),
        sa.Column("q_physical_assault", sa.Boolean(), nullable=True),
        sa.Column("q_forced_marriage", sa.Boolean(), nullable=True),
        sa.Column("q_denial", sa.Boolean(), nullable=True),
        sa.Column("q_psychological", sa.Boolean(), nullable=True),
        sa.Column("possible_sexual_violence", sa.Boolean(), nullable=False),
        sa.Column("ala_kachuu", sa.Boolean(), nullable=False),
        sa.Column("early_marriage", sa.Boolean(), nullable=False),
        sa.Column("money_goods_exchanged", sa.Boolean(), nullable=False),
        sa.Column(
            "abduction_type",
            sa.Enum(
                "none",
                "forced_conscription",
                "trafficked",
                "other_abduction",
                name="abductiontype",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("reported_to_police", sa.Boolean(), nullable=False),
        sa.Column("reported_to_health", sa.Boolean(), nullable=False),
        sa.Column("previous_incidents", sa.Boolean(), nullable=False),
        sa.Column(
            "marriage_registration",
            sa.Enum(
                "civil",
                "religious_only",
                "none",
                "not_applicable",
                name="marriageregistration",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "legal_category",
            sa.Enum(
                "family_physical",
                "family_psychological",
                "family_economic",
                "family_neglect",
                "abduction_for_marriage",
                "forced_marriage_of_minor",
                "forced_marriage",
                "underage_religious_marriage",
                "sexual_violence",
                "other",
                name="legalcategory",
                native_enum=False,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("occurred_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_time_known", sa.Boolean(), nullable=False),
        sa.Column(
            "time_of_day",
            sa.Enum(
                "morning",
                "afternoon",
                "evening_night",
                "unknown",
                name="timeofday",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("report_date", sa.Date(), nullable=False),
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
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column(
            "perpetrator_count",
            sa.Enum(
                "1", "2", "3", "more_than_3", name="perpetratorcount", native_enum=False, length=12
            ),
            nullable=True,
        ),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("narrative_ct", sa.LargeBinary(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_incidents_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_incidents_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_incidents_location_id_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_location_id"), ["location_id"], unique=False)
        batch_op.create_index("ix_incidents_occurred_at", ["occurred_at"], unique=False)

    op.create_table(
        "needs_assessments",
        sa.Column("assessed_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assessed_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "safety_priority",
            sa.Enum(
                "none", "low", "medium", "high", name="needpriority", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column(
            "health_priority",
            sa.Enum(
                "none", "low", "medium", "high", name="needpriority", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column(
            "psychosocial_priority",
            sa.Enum(
                "none", "low", "medium", "high", name="needpriority", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column(
            "legal_priority",
            sa.Enum(
                "none", "low", "medium", "high", name="needpriority", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column(
            "material_priority",
            sa.Enum(
                "none", "low", "medium", "high", name="needpriority", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column(
            "child_priority",
            sa.Enum(
                "none", "low", "medium", "high", name="needpriority", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column("safety_text_ct", sa.LargeBinary(), nullable=True),
        sa.Column("health_text_ct", sa.LargeBinary(), nullable=True),
        sa.Column("psychosocial_text_ct", sa.LargeBinary(), nullable=True),
        sa.Column("legal_text_ct", sa.LargeBinary(), nullable=True),
        sa.Column("material_text_ct", sa.LargeBinary(), nullable=True),
        sa.Column("child_text_ct", sa.LargeBinary(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessed_by_id"], ["users.id"], name=op.f("fk_needs_assessments_assessed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_needs_assessments_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs_assessments")),
    )
    with op.batch_alter_table("needs_assessments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_needs_assessments_case_at", ["case_id", "assessed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_needs_assessments_case_id"), ["case_id"], unique=False)

    op.create_table(
        "risk_assessments",
        sa.Column(
            "level",
            sa.Enum("low", "medium", "high", name="risklevel", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("immediate_danger", sa.Boolean(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("assessed_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assessed_by_id", sa.Uuid(), nullable=True),
        sa.Column("has_safety_plan", sa.Boolean(), nullable=False),
        sa.Column("safety_concern_ct", sa.LargeBinary(), nullable=True),
        sa.Column("safety_warning_signs_ct", sa.LargeBinary(), nullable=True),
        sa.Column("safety_where_to_go_ct", sa.LargeBinary(), nullable=True),
        sa.Column("safety_who_to_call_ct", sa.LargeBinary(), nullable=True),
        sa.Column("safety_items_prepared_ct", sa.LargeBinary(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessed_by_id"], ["users.id"], name=op.f("fk_risk_assessments_assessed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_risk_assessments_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_assessments")),
    )
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_risk_assessments_case_at", ["case_id", "assessed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_risk_assessments_case_id"), ["case_id"], unique=False)

    op.create_table(
        "perpetrators",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column(
            "sex",
            sa.Enum("female", "male", "unknown", name="sex", native_enum=False, length=10),
            nullable=True,
        ),
        sa.Column(
            "age_group",
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
            nullable=False,
        ),
        sa.Column(
            "relationship_to_survivor",
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
            nullable=False,
        ),
        sa.Column("lives_with_survivor", sa.Boolean(), nullable=False),
        sa.Column("previous_gbv", sa.Boolean(), nullable=False),
        sa.Column("name_ct", sa.LargeBinary(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_perpetrators_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_perpetrators_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perpetrators")),
    )
    with op.batch_alter_table("perpetrators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_perpetrators_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_perpetrators_incident_id"), ["incident_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("perpetrators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_perpetrators_incident_id"))
        batch_op.drop_index(batch_op.f("ix_perpetrators_case_id"))

    op.drop_table("perpetrators")
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_assessments_case_id"))
        batch_op.drop_index("ix_risk_assessments_case_at")

    op.drop_table("risk_assessments")
    with op.batch_alter_table("needs_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_needs_assessments_case_id"))
        batch_op.drop_index("ix_needs_assessments_case_at")

    op.drop_table("needs_assessments")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_occurred_at")
        batch_op.drop_index(batch_op.f("ix_incidents_location_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_case_id"))

    op.drop_table("incidents")
