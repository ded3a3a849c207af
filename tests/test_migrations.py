"""Migrations are the only source of the schema: they must build exactly the models."""

import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import referral.models  # noqa: F401  every model registered on the metadata
from referral.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from the migrated schema: {diff}"


def test_migration_files_are_date_prefixed_and_form_one_line():
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    versions = Path(__file__).resolve().parent.parent / "migrations"
    for path in (versions / "versions").glob("*.py"):
        assert re.match(r"\d{8}_", path.name), path.name
    config = Config()
    config.set_main_option("script_location", str(versions))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"the migration history has several heads: {heads}"
