"""casefile core: intake identity and statistics fields, assignments, timeline events

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:20:00

New encrypted intake fields (`*_ct`), the plain GBVIMS statistics fields (age band, sex,
disability, marital status, residence rayon, displacement), the current risk, closure
columns, keyset indexes with the id tie-breaker, case assignments and the case timeline.
"""

import sqlalchemy as sa
from alembic import op

import referral.db

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_assignments",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("assigned_by_id", sa.Uuid(), nullable=False),
        sa.Column("assigned_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["users.id"], name=op.f("fk_case_assignments_assigned_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_assignments_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_case_assignments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("case_id", "user_id", name=op.f("pk_case_assignments")),
    )
    with op.batch_alter_table("case_assignments", schema=None) as batch_op:
        batch_op.create_index("ix_case_assignments_user_case", ["user_id", "case_id"], unique=False)

    op.create_table(
        "case_events",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("target_type", sa.String(length=30), nullable=True),
        sa.Column("target_id", sa.Uuid(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_case_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index("ix_case_events_case_at", ["case_id", "at"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "referral_source",
                sa.Enum(
                    "self",
                    "police",
                    "health",
                    "committee",
                    "hotline",
                    "other",
                    name="referralsource",
                    native_enum=False,
                    length=20,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("do_not_contact", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "sex",
                sa.Enum("female", "male", "unknown", name="sex", native_enum=False, length=10),
                nullable=True,
            )
        )
        batch_op.add_column(
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
            )
        )
        batch_op.add_column(
            sa.Column(
                "disability",
                sa.Enum(
                    "none",
                    "mental",
                    "physical",
                    "both",
                    "unknown",
                    name="disability",
                    native_enum=False,
                    length=10,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "marital_status",
                sa.Enum(
                    "single",
                    "married",
                    "divorced",
                    "widowed",
                    "unknown",
                    name="maritalstatus",
                    native_enum=False,
                    length=10,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "displacement",
                sa.Enum(
                    "resident",
                    "internal_migrant",
                    "returned_migrant",
                    "refugee",
                    "stateless",
                    "foreign_national",
                    "unknown",
                    name="displacement",
                    native_enum=False,
                    length=20,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("residence_location_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "risk_level",
                sa.Enum("low", "medium", "high", name="risklevel", native_enum=False, length=10),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("immediate_danger", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("closure_reason", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("closure_checklist", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("closure_requested_at", referral.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("closure_requested_by_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("closed_at", referral.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("closed_by_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("estimated_age_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("safe_contact_method_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("safe_times_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("address_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("caregiver_name_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("caregiver_relationship_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("caregiver_phone_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("accompanying_children_ct", sa.LargeBinary(), nullable=True))
        batch_op.alter_column(
            "status",
            existing_type=sa.VARCHAR(length=16),
            type_=sa.Enum(
                "open",
                "closure_requested",
                "closed",
                "erased",
                name="casestatus",
                native_enum=False,
                length=20,
            ),
            existing_nullable=False,
        )
        batch_op.drop_index(batch_op.f("ix_cases_organisation_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_cases_owner_id_updated_at"))
        batch_op.create_index(batch_op.f("ix_cases_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(
            "ix_cases_org_updated_id", ["organisation_id", "updated_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_cases_owner_updated_id", ["owner_id", "updated_at", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cases_residence_location_id"), ["residence_location_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_residence_location_id_locations"),
            "locations",
            ["residence_location_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_closure_requested_by_id_users"),
            "users",
            ["closure_requested_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_closed_by_id_users"), "users", ["closed_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_closed_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_cases_closure_requested_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_cases_residence_location_id_locations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_cases_residence_location_id"))
        batch_op.drop_index("ix_cases_owner_updated_id")
        batch_op.drop_index("ix_cases_org_updated_id")
        batch_op.drop_index(batch_op.f("ix_cases_closed_at"))
        batch_op.create_index(
            batch_op.f("ix_cases_owner_id_updated_at"), ["owner_id", "updated_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cases_organisation_id_updated_at"),
            ["organisation_id", "updated_at"],
            unique=False,
        )
        batch_op.alter_column(
            "status",
            existing_type=sa.Enum(
                "open",
                "closure_requested",
                "closed",
                "erased",
                name="casestatus",
                native_enum=False,
                length=20,
            ),
            type_=sa.VARCHAR(length=16),
            existing_nullable=False,
        )
        batch_op.drop_column("accompanying_children_ct")
        batch_op.drop_column("caregiver_phone_ct")
        batch_op.drop_column("caregiver_relationship_ct")
        batch_op.drop_column("caregiver_name_ct")
        batch_op.drop_column("address_ct")
        batch_op.drop_column("safe_times_ct")
        batch_op.drop_column("safe_contact_method_ct")
        batch_op.drop_column("estimated_age_ct")
        batch_op.drop_column("closed_by_id")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("closure_requested_by_id")
        batch_op.drop_column("closure_requested_at")
        batch_op.drop_column("closure_checklist")
        batch_op.drop_column("closure_reason")
        batch_op.drop_column("immediate_danger")
        batch_op.drop_column("risk_level")
        batch_op.drop_column("residence_location_id")
        batch_op.drop_column("displacement")
        batch_op.drop_column("marital_status")
        batch_op.drop_column("disability")
        batch_op.drop_column("age_band")
        batch_op.drop_column("sex")
        batch_op.drop_column("do_not_contact")
        batch_op.drop_column("referral_source")

    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index("ix_case_events_case_at")

    op.drop_table("case_events")
    with op.batch_alter_table("case_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_case_assignments_user_case")

    op.drop_table("case_assignments")
