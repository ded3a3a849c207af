"""`flask directory export|import`: HSDS files for operators. Thin: call, commit once."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from referral.extensions import db

directory_cli = AppGroup("directory", help="Provider directory: HSDS export and import.")


@directory_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export_command(path: Path):
    """Write the directory to PATH (.json, or .zip for the CSV data package)."""
    from referral.directory import exchange

    fmt = "zip" if path.suffix.lower() == ".zip" else "json"
    data = exchange.export(fmt)
    path.write_bytes(data)
    db.session.commit()
    click.echo(f"Exported the directory to {path} ({fmt}, {len(data)} bytes).")


@directory_cli.command("locations")
def locations_command():
    """Load (or complete) Kyrgyzstan's shipped locations: what a new instance needs first."""
    from referral.directory import service

    added = service.load_locations()
    db.session.commit()
    click.echo(f"Locations added: {added}.")


@directory_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path):
    """Check every record of PATH, then import all of it or nothing."""
    from referral.directory import exchange

    try:
        result = exchange.import_file(path.name, path.read_bytes())
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(f"cannot read {path}: {exc}") from None
    for n in result.notes:
        click.echo(f"note: {n.table} record {n.row or 'all'}, {n.field}: {n.message}", err=True)
    if not result.ok:
        db.session.rollback()
        for p in result.problems:
            click.echo(f"{p.table} record {p.row}, {p.field}: {p.message}", err=True)
        raise click.ClickException(f"{len(result.problems)} problem(s); nothing was imported")
    db.session.commit()
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
    click.echo(f"Imported: {counts}.")
