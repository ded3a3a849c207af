"""directory: organisation details, services, sites (premises), phones, schedules,
languages and service areas

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 11:30:00

"""

import sqlalchemy as sa
from alembic import op

import referral.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "services",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
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
        sa.Column("name_ky", sa.String(length=300), nullable=False),
        sa.Column("name_ru", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("description_ky", sa.Text(), nullable=False),
        sa.Column("description_ru", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "inactive",
                "defunct",
                "temporarily closed",
                name="servicestatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "eligible_sex",
            sa.Enum("any", "female", "male", name="eligiblesex", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("minimum_age", sa.Integer(), nullable=True),
        sa.Column("maximum_age", sa.Integer(), nullable=True),
        sa.Column("is_free", sa.Boolean(), nullable=False),
        sa.Column("is_24h", sa.Boolean(), nullable=False),
        sa.Column("accepts_referrals", sa.Boolean(), nullable=False),
        sa.Column("is_nationwide", sa.Boolean(), nullable=False),
        sa.Column("verified_at", sa.Date(), nullable=True),
        sa.Column("verified_by", sa.String(length=254), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_services_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
    )
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_services_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_services_service_type"), ["service_type"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_services_status"), ["status"], unique=False)

    op.create_table(
        "sites",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name_ky", sa.String(length=300), nullable=False),
        sa.Column("name_ru", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("postal_code", sa.String(length=12), nullable=False),
        sa.Column("is_confidential", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_sites_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_sites_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sites_location_id"), ["location_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sites_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "phones",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column(
            "phone_type",
            sa.Enum("voice", "cell", "text", "fax", name="phonetype", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("last_verified_at", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_phones_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_phones_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phones")),
    )
    with op.batch_alter_table("phones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_phones_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_phones_service_id"), ["service_id"], unique=False)

    op.create_table(
        "schedules",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("byday", sa.String(length=30), nullable=False),
        sa.Column("opens_at", sa.Time(), nullable=False),
        sa.Column("closes_at", sa.Time(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_schedules_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedules_service_id"), ["service_id"], unique=False)

    op.create_table(
        "service_areas",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_service_areas_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_service_areas_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_areas")),
        sa.UniqueConstraint("service_id", "location_id", name=op.f("uq_service_areas_service_id")),
    )
    with op.batch_alter_table("service_areas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_areas_location_id"), ["location_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_areas_service_id"), ["service_id"], unique=False
        )

    op.create_table(
        "service_at_sites",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_service_at_sites_service_id_services")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_service_at_sites_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_at_sites")),
        sa.UniqueConstraint("service_id", "site_id", name=op.f("uq_service_at_sites_service_id")),
    )
    with op.batch_alter_table("service_at_sites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_at_sites_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_at_sites_site_id"), ["site_id"], unique=False)

    op.create_table(
        "service_languages",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_service_languages_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_languages")),
        sa.UniqueConstraint("service_id", "code", name=op.f("uq_service_languages_service_id")),
    )
    with op.batch_alter_table("service_languages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_languages_service_id"), ["service_id"], unique=False
        )

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("description_ky", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("description_ru", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("description_en", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "sector",
                sa.Enum(
                    "health",
                    "justice_policing",
                    "social_services",
                    "coordination",
                    "civil_society",
                    "community",
                    name="sector",
                    native_enum=False,
                    length=30,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "legal_status",
                sa.Enum(
                    "state",
                    "municipal",
                    "ngo",
                    "international",
                    "community",
                    name="legalstatus",
                    native_enum=False,
                    length=30,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("parent_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("website", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_organisations_parent_id_organisations"),
            "organisations",
            ["parent_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_organisations_parent_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_column("email")
        batch_op.drop_column("website")
        batch_op.drop_column("parent_id")
        batch_op.drop_column("legal_status")
        batch_op.drop_column("sector")
        batch_op.drop_column("description_en")
        batch_op.drop_column("description_ru")
        batch_op.drop_column("description_ky")

    with op.batch_alter_table("service_languages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_languages_service_id"))

    op.drop_table("service_languages")
    with op.batch_alter_table("service_at_sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_at_sites_site_id"))
        batch_op.drop_index(batch_op.f("ix_service_at_sites_service_id"))

    op.drop_table("service_at_sites")
    with op.batch_alter_table("service_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_areas_service_id"))
        batch_op.drop_index(batch_op.f("ix_service_areas_location_id"))

    op.drop_table("service_areas")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedules_service_id"))

    op.drop_table("schedules")
    with op.batch_alter_table("phones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phones_service_id"))
        batch_op.drop_index(batch_op.f("ix_phones_organisation_id"))

    op.drop_table("phones")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sites_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_sites_location_id"))

    op.drop_table("sites")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_services_status"))
        batch_op.drop_index(batch_op.f("ix_services_service_type"))
        batch_op.drop_index(batch_op.f("ix_services_organisation_id"))

    op.drop_table("services")
