"""plan: action-plan items, follow-ups, protection orders and their violations, case notes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:30:00

Free text (goals, services received, follow-up notes, order conditions, violations,
case notes) is ciphertext (`*_ct`); codes and dates stay plain for the home page's
overdue lists and for statistics.
"""

import sqlalchemy as sa
from alembic import op

import referral.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SERVICE_TYPES = (
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
)


def _child_columns(table: str) -> list:
    """The columns and constraints every CaseChild table has."""
    return [
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f(f"fk_{table}_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _user_fk(table: str, column: str):
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"))


def upgrade():
    op.create_table(
        "action_plan_items",
        sa.Column(
            "area",
            sa.Enum(
                "safety",
                "health",
                "psychosocial",
                "legal",
                "material",
                "child",
                name="planarea",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "service_type",
            sa.Enum(*SERVICE_TYPES, name="servicetype", native_enum=False, length=40),
            nullable=True,
        ),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column(
            "progress",
            sa.Enum(
                "not_started",
                "in_progress",
                "met",
                "not_applicable",
                name="progress",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("met_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=False),
        sa.Column("goal_ct", sa.LargeBinary(), nullable=True),
        _user_fk("action_plan_items", "created_by_id"),
        _user_fk("action_plan_items", "owner_id"),
        *_child_columns("action_plan_items"),
    )
    op.create_index(
        op.f("ix_action_plan_items_case_id"), "action_plan_items", ["case_id"], unique=False
    )
    op.create_index(
        "ix_action_plan_items_due", "action_plan_items", ["progress", "due_date"], unique=False
    )

    op.create_table(
        "case_notes",
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("edited_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("text_ct", sa.LargeBinary(), nullable=True),
        _user_fk("case_notes", "author_id"),
        *_child_columns("case_notes"),
    )
    op.create_index(
        "ix_case_notes_case_created", "case_notes", ["case_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_case_notes_case_id"), "case_notes", ["case_id"], unique=False)

    op.create_table(
        "follow_ups",
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "visit",
                "phone",
                "office",
                "other",
                name="followuptype",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column(
            "services_received",
            sa.Enum("yes", "partly", "no", name="servicesreceived", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("risk_reassessed", sa.Boolean(), nullable=False),
        sa.Column("next_date", sa.Date(), nullable=True),
        sa.Column("recommend_closure", sa.Boolean(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("services_details_ct", sa.LargeBinary(), nullable=True),
        sa.Column("notes_ct", sa.LargeBinary(), nullable=True),
        _user_fk("follow_ups", "author_id"),
        *_child_columns("follow_ups"),
    )
    op.create_index("ix_follow_ups_case_held", "follow_ups", ["case_id", "held_on"], unique=False)
    op.create_index(op.f("ix_follow_ups_case_id"), "follow_ups", ["case_id"], unique=False)

    op.create_table(
        "protection_orders",
        sa.Column(
            "kind",
            sa.Enum(
                "temporary",
                "extended",
                "court_restriction",
                name="orderkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "issuing_body",
            sa.Enum("police", "court", "other", name="issuingbody", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("issuing_unit", sa.String(length=200), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("extended_until", sa.Date(), nullable=True),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "expired",
                "violated",
                "revoked",
                name="orderstatus",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("incident_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=False),
        sa.Column("conditions_text_ct", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_protection_orders_incident_id_incidents"),
        ),
        _user_fk("protection_orders", "created_by_id"),
        *_child_columns("protection_orders"),
    )
    op.create_index(
        op.f("ix_protection_orders_case_id"), "protection_orders", ["case_id"], unique=False
    )

    op.create_table(
        "protection_order_violations",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=False),
        sa.Column("description_ct", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["protection_orders.id"],
            name=op.f("fk_protection_order_violations_order_id_protection_orders"),
        ),
        _user_fk("protection_order_violations", "recorded_by_id"),
        *_child_columns("protection_order_violations"),
    )
    op.create_index(
        op.f("ix_protection_order_violations_case_id"),
        "protection_order_violations",
        ["case_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_protection_order_violations_order_id"),
        "protection_order_violations",
        ["order_id"],
        unique=False,
    )


def downgrade():
    op.drop_table("protection_order_violations")
    op.drop_table("protection_orders")
    op.drop_table("follow_ups")
    op.drop_table("case_notes")
    op.drop_table("action_plan_items")
