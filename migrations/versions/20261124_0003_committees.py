"""committees: prevention committees, members, activities and referral pathways

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 11:30:00

"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import referral.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NATIONAL_PATHWAY_ID = uuid.UUID("5e7f0c1a-9a43-4c55-8d2e-0a7d1b6c0001")


def upgrade():
    op.create_table(
        "committees",
        sa.Column("name_ky", sa.String(length=300), nullable=False),
        sa.Column("name_ru", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("founding_partners", sa.String(length=300), nullable=False),
        sa.Column("coordinator_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coordinator_id"], ["users.id"], name=op.f("fk_committees_coordinator_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committees")),
    )
    with op.batch_alter_table("committees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committees_coordinator_id"), ["coordinator_id"], unique=False
        )

    op.create_table(
        "committee_activities",
        sa.Column("committee_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column(
            "activity_type",
            sa.Enum(
                "meeting",
                "awareness_session",
                "campaign",
                "resource_mobilisation",
                name="activitytype",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("participants_women", sa.Integer(), nullable=True),
        sa.Column("participants_men", sa.Integer(), nullable=True),
        sa.Column("resources_som", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committees.id"],
            name=op.f("fk_committee_activities_committee_id_committees"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_committee_activities_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_activities")),
    )
    with op.batch_alter_table("committee_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committee_activities_committee_id"), ["committee_id"], unique=False
        )

    op.create_table(
        "committee_areas",
        sa.Column("committee_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committees.id"],
            name=op.f("fk_committee_areas_committee_id_committees"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_committee_areas_location_id_locations")
        ),
        sa.PrimaryKeyConstraint("committee_id", "location_id", name=op.f("pk_committee_areas")),
        sa.UniqueConstraint("location_id", name=op.f("uq_committee_areas_location_id")),
    )
    op.create_table(
        "committee_members",
        sa.Column("committee_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=False),
        sa.Column(
            "agency",
            sa.Enum(
                "local_self_government",
                "police",
                "women_council",
                "social_worker",
                "health_worker",
                "education",
                "religious_leader",
                "ngo",
                "community_member",
                name="memberagency",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committees.id"],
            name=op.f("fk_committee_members_committee_id_committees"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_committee_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_members")),
        sa.UniqueConstraint(
            "committee_id", "user_id", name=op.f("uq_committee_members_committee_id")
        ),
    )
    with op.batch_alter_table("committee_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committee_members_committee_id"), ["committee_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_committee_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "pathways",
        sa.Column("committee_id", sa.Uuid(), nullable=True),
        sa.Column("is_national", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_pathways_committee_id_committees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathways")),
        sa.UniqueConstraint("committee_id", name=op.f("uq_pathways_committee_id")),
    )
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.create_index(
            "uq_pathways_one_national",
            ["is_national"],
            unique=True,
            sqlite_where=sa.text("is_national = 1"),
            postgresql_where=sa.text("is_national"),
        )

    # The national default pathway exists from the start; it has no versions until an
    # administrator publishes one.
    now = datetime.now(UTC)
    op.bulk_insert(
        sa.table(
            "pathways",
            sa.column("id", sa.Uuid()),
            sa.column("committee_id", sa.Uuid()),
            sa.column("is_national", sa.Boolean()),
            sa.column("created_at", referral.db.UTCDateTime(timezone=True)),
            sa.column("updated_at", referral.db.UTCDateTime(timezone=True)),
        ),
        [
            {
                "id": NATIONAL_PATHWAY_ID,
                "committee_id": None,
                "is_national": True,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )

    op.create_table(
        "pathway_versions",
        sa.Column("pathway_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "superseded",
                name="versionstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("published_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_pathway_versions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"], ["pathways.id"], name=op.f("fk_pathway_versions_pathway_id_pathways")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_pathway_versions_published_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_versions")),
        sa.UniqueConstraint("pathway_id", "number", name=op.f("uq_pathway_versions_pathway_id")),
    )
    with op.batch_alter_table("pathway_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pathway_versions_pathway_id"), ["pathway_id"], unique=False
        )
        batch_op.create_index(
            "uq_pathway_versions_one_draft",
            ["pathway_id"],
            unique=True,
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        )
        batch_op.create_index(
            "uq_pathway_versions_one_published",
            ["pathway_id"],
            unique=True,
            sqlite_where=sa.text("status = 'published'"),
            postgresql_where=sa.text("status = 'published'"),
        )

    op.create_table(
        "pathway_steps",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
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
        sa.Column("target_hours", sa.Integer(), nullable=False),
        sa.Column("guidance_ky", sa.Text(), nullable=False),
        sa.Column("guidance_ru", sa.Text(), nullable=False),
        sa.Column("guidance_en", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["pathway_versions.id"],
            name=op.f("fk_pathway_steps_version_id_pathway_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_steps")),
    )
    with op.batch_alter_table("pathway_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pathway_steps_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "pathway_step_providers",
        sa.Column("step_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_pathway_step_providers_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["pathway_steps.id"],
            name=op.f("fk_pathway_step_providers_step_id_pathway_steps"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_step_providers")),
        sa.UniqueConstraint(
            "step_id", "organisation_id", name=op.f("uq_pathway_step_providers_step_id")
        ),
    )
    with op.batch_alter_table("pathway_step_providers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pathway_step_providers_step_id"), ["step_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("pathway_step_providers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathway_step_providers_step_id"))

    op.drop_table("pathway_step_providers")
    with op.batch_alter_table("pathway_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathway_steps_version_id"))

    op.drop_table("pathway_steps")
    with op.batch_alter_table("pathway_versions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_pathway_versions_one_published",
            sqlite_where=sa.text("status = 'published'"),
            postgresql_where=sa.text("status = 'published'"),
        )
        batch_op.drop_index(
            "uq_pathway_versions_one_draft",
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        )
        batch_op.drop_index(batch_op.f("ix_pathway_versions_pathway_id"))

    op.drop_table("pathway_versions")
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_pathways_one_national",
            sqlite_where=sa.text("is_national = 1"),
            postgresql_where=sa.text("is_national"),
        )

    op.drop_table("pathways")
    with op.batch_alter_table("committee_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_committee_members_committee_id"))

    op.drop_table("committee_members")
    op.drop_table("committee_areas")
    with op.batch_alter_table("committee_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_activities_committee_id"))

    op.drop_table("committee_activities")
    with op.batch_alter_table("committees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committees_coordinator_id"))

    op.drop_table("committees")
