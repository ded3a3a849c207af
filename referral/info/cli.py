import click
from flask.cli import AppGroup

from referral.extensions import db

info_cli = AppGroup("info", help="Public information pages.")


@info_cli.command("seed")
def seed():
    """Add the shipped starter pages that are missing; local edits are kept."""
    from referral.info import service

    added = service.seed_starter_pages()
    db.session.commit()
    click.echo(f"Added {added} information page(s).")
