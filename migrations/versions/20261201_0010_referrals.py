"""referrals: referrals of a case to a provider and their steps

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:00:00
"""

import sqlalchemy as sa
from alembic import op

import referral.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "referrals",
        sa.Column("from_org_id", sa.Uuid(), nullable=False),
        sa.Column("from_user_id", sa.Uuid(), nullable=False),
        sa.Column("to_org_id", sa.Uuid(), nullable=False),
        sa.Column("to_service_id", sa.Uuid(), nullable=True),
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
        sa.Column("pathway_version_id", sa.Uuid(), nullable=True),
        sa.Column("pathway_step_id", sa.Uuid(), nullable=True),
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
            "urgency",
            sa.Enum("immediate", "urgent", "routine", name="urgency", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("shared_items", sa.JSON(), nullable=False),
        sa.Column("sent_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responded_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", referral.db.UTCDateTime(timezone=True), nullable=True),
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
        sa.Column("appointment_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consent_override", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("override_by_id", sa.Uuid(), nullable=True),
        sa.Column("is_on_paper", sa.Boolean(), nullable=False),
        sa.Column("summary_ct", sa.LargeBinary(), nullable=True),
        sa.Column("override_reason_ct", sa.LargeBinary(), nullable=True),
        sa.Column("feedback_ct", sa.LargeBinary(), nullable=True),
        sa.Column("provider_notes_ct", sa.LargeBinary(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_referrals_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["from_org_id"],
            ["organisations.id"],
            name=op.f("fk_referrals_from_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["from_user_id"], ["users.id"], name=op.f("fk_referrals_from_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["override_by_id"], ["users.id"], name=op.f("fk_referrals_override_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["pathway_step_id"],
            ["pathway_steps.id"],
            name=op.f("fk_referrals_pathway_step_id_pathway_steps"),
        ),
        sa.ForeignKeyConstraint(
            ["pathway_version_id"],
            ["pathway_versions.id"],
            name=op.f("fk_referrals_pathway_version_id_pathway_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["to_org_id"], ["organisations.id"], name=op.f("fk_referrals_to_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["to_service_id"], ["services.id"], name=op.f("fk_referrals_to_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_referrals_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index(
            "ix_referrals_to_org_sent", ["to_org_id", "sent_at", "id"], unique=False
        )

    op.create_table(
        "referral_events",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status_from",
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
            nullable=True,
        ),
        sa.Column(
            "status_to",
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
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_referral_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_referral_events_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_events")),
    )
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.create_index("ix_referral_events_referral_at", ["referral_id", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_events_referral_at")

    op.drop_table("referral_events")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_to_org_sent")
        batch_op.drop_index("ix_referrals_status_due")
        batch_op.drop_index(batch_op.f("ix_referrals_case_id"))

    op.drop_table("referrals")
