"""Alembic environment. Migrations are the only source of the schema."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

import referral.models  # noqa: F401  every model, so autogenerate sees the whole schema

config = context.config
if config.config_file_name and not config.attributes.get("connection"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def configure(connection):
    def skip_empty(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty)
    conf_args["compare_type"] = True
    conf_args["render_as_batch"] = connection.dialect.name == "sqlite"
    context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)


def run_migrations_online():
    # Tests hand in their own connection so that the schema is built inside it.
    connection = config.attributes.get("connection")
    if connection is not None:
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    with target_db.engine.connect() as connection:
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
