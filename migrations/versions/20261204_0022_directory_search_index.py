"""directory search index: a service's search text also holds its organisation's names
(one column answers a search by either), and on PostgreSQL a trigram index on the search
texts of services and organisations, so that a search does not read every row

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

LANGUAGES = ("ky", "ru", "en")
INDEXES = {"services": "ix_services_search_trgm", "organisations": "ix_organisations_search_trgm"}


def _table(name: str, *extra):
    return sa.table(
        name,
        sa.column("id", sa.Uuid()),
        sa.column("search_text"),
        *(sa.column(f"name_{c}") for c in LANGUAGES),
        *extra,
    )


def _backfill(bind, with_organisation: bool) -> None:
    # The rule is the application's own, as in 0021 (the module is pure functions).
    from referral.directory.models import names

    class Names:
        def __init__(self, row):
            for column in names.NAME_COLUMNS:
                setattr(self, column, getattr(row, column))

    orgs = _table("organisations")
    services = _table("services", sa.column("organisation_id", sa.Uuid()))
    org_names = {row.id: Names(row) for row in bind.execute(sa.select(orgs))}
    for row in bind.execute(sa.select(services)).all():
        service = Names(row)
        names.refresh_service(
            service, org_names.get(row.organisation_id) if with_organisation else None
        )
        if service.search_text != row.search_text:
            bind.execute(
                services.update()
                .where(services.c.id == row.id)
                .values(search_text=service.search_text)
            )


def _create_extension(bind) -> None:
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        database = bind.engine.url.database
        raise RuntimeError(
            "The directory's search index needs PostgreSQL's pg_trgm extension, and this "
            f"database user could not create it ({exc.orig.__class__.__name__}). Ask the "
            f'database administrator to run CREATE EXTENSION pg_trgm; in database "{database}" '
            "(it comes with PostgreSQL's contrib package), then run the upgrade again."
        ) from None


def upgrade():
    bind = op.get_bind()
    _backfill(bind, with_organisation=True)
    if bind.dialect.name == "postgresql":
        _create_extension(bind)
        # Every service's text changed: without fresh statistics the planner would take
        # a search for a rare word and scan the table.
        bind.execute(sa.text("ANALYZE services"))
    for table, name in INDEXES.items():
        # On SQLite, whose LIKE reads every row whatever the index, an empty partial index
        # of the same name (see names.search_index).
        op.create_index(
            name,
            table,
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            sqlite_where=sa.text("0"),
        )


def downgrade():
    for table, name in INDEXES.items():
        op.drop_index(name, table_name=table)
    # The extension stays: something else in the database may have come to use it.
    _backfill(op.get_bind(), with_organisation=False)
