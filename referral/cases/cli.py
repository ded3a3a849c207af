"""`flask cases ...`: operator commands of the case file. Thin: parse, call a service,
commit once."""

import uuid

import click
from flask.cli import AppGroup

cases_cli = AppGroup("cases", help="Case-file operations (retention).")


@cases_cli.command("retention")
@click.option("--shred", "do_shred", is_flag=True, help="Shred the listed cases.")
@click.option(
    "--confirm-by",
    "confirm_by",
    metavar="USERNAME",
    help="The supervisor of the cases' centre who confirmed the shredding (required with --shred).",
)
@click.option(
    "--organisation",
    "organisation_id",
    default=None,
    help="Only the cases of this organisation id (see `flask users orgs`).",
)
def retention(do_shred, confirm_by, organisation_id):
    """List the closed cases kept longer than CASE_RETENTION_YEARS (codes and closing
    dates only); with --shred and a supervisor's confirmation, crypto-shred them."""
    from flask import current_app

    from referral.cases.service import retention as service
    from referral.extensions import db

    org = None
    if organisation_id:
        try:
            org = uuid.UUID(organisation_id)
        except ValueError:
            raise click.BadParameter(
                "not an organisation id", param_hint="--organisation"
            ) from None
    years = current_app.config["CASE_RETENTION_YEARS"]
    if not do_shred:
        cases = service.expired_cases(organisation_id=org)
        for case in cases:
            click.echo(f"{case.case_code}  closed {case.closed_at.date().isoformat()}")
        click.echo(f"{len(cases)} closed case(s) past the retention period of {years} years.")
        return
    if not confirm_by:
        raise click.UsageError("--shred needs --confirm-by <supervisor username>")
    try:
        cases = service.shred_expired(confirm_by, organisation_id=org)
    except service.RetentionError as exc:
        db.session.rollback()
        raise click.ClickException(f"nothing was shredded: {exc}") from None
    db.session.commit()
    for case in cases:
        click.echo(f"{case.case_code}  shredded")
    click.echo(f"{len(cases)} case(s) shredded, confirmed by {confirm_by}.")
