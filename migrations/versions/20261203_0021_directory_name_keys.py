"""directory name keys: services and organisations keep their names case-folded for search
and one sort key per language, so the staff lists search, sort and page in the database;
existing rows get their keys here

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

LANGUAGES = ("ky", "ru", "en")
TABLES = ("organisations", "services")


def _sort_key_type():
    length = 301
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _columns():
    return [
        sa.column("id", sa.Uuid()),
        sa.column("search_text"),
        *(sa.column(f"name_{c}") for c in LANGUAGES),
        *(sa.column(f"sort_{c}") for c in LANGUAGES),
    ]


def _backfill(bind) -> None:
    # The key rules are the application's own (a frozen copy would drift from what the
    # flush listener writes); the module is pure functions.
    from referral.directory.models import names

    orgs = sa.table("organisations", *_columns())
    services = sa.table("services", *_columns(), sa.column("organisation_id", sa.Uuid()))

    class Row:
        def __init__(self, row):
            for code in LANGUAGES:
                setattr(self, f"name_{code}", getattr(row, f"name_{code}"))

    org_rows = {row.id: Row(row) for row in bind.execute(sa.select(orgs))}
    for org_id, org in org_rows.items():
        names.refresh_organisation(org)
        bind.execute(
            orgs.update()
            .where(orgs.c.id == org_id)
            .values(
                search_text=org.search_text,
                **{f"sort_{c}": getattr(org, f"sort_{c}") for c in LANGUAGES},
            )
        )
    for row in bind.execute(sa.select(services)).all():
        service = Row(row)
        names.refresh_service(service, org_rows.get(row.organisation_id))
        bind.execute(
            services.update()
            .where(services.c.id == row.id)
            .values(
                search_text=service.search_text,
                **{f"sort_{c}": getattr(service, f"sort_{c}") for c in LANGUAGES},
            )
        )


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
            for code in LANGUAGES:
                batch.add_column(
                    sa.Column(f"sort_{code}", _sort_key_type(), nullable=False, server_default="")
                )
    _backfill(op.get_bind())
    for table in TABLES:
        for code in LANGUAGES:
            op.create_index(f"ix_{table}_sort_{code}_id", table, [f"sort_{code}", "id"])


def downgrade():
    for table in TABLES:
        for code in LANGUAGES:
            op.drop_index(f"ix_{table}_sort_{code}_id", table_name=table)
        # Plain ALTER TABLE DROP COLUMN (SQLite 3.35+): a batch copy of the table would
        # trip the foreign keys that point at organisations and services.
        for code in LANGUAGES:
            op.drop_column(table, f"sort_{code}")
        op.drop_column(table, "search_text")
