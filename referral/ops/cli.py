"""`flask backup ...`: create, restore onto an empty database, verify. Thin: each
command calls the backup service and reports; the service commits its own steps
(a dump and a restore are not one database transaction)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from referral.ops import backup

backup_cli = AppGroup("backup", help="Back up, restore and verify the database (never the keys).")

DIRECTORY = click.Path(file_okay=False, path_type=Path)


@backup_cli.command("create")
@click.argument("directory", type=DIRECTORY)
def create(directory: Path):
    """Dump the database and its manifest into DIRECTORY (new or empty). The keys are
    not included: keep them, and their own copy, on other media."""
    try:
        manifest = backup.create_backup(directory)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Backup written to {directory}: {manifest.engine} dump {manifest.dump} "
        f"(sha256 {manifest.dump_sha256[:16]}...), schema {manifest.schema_revision}, "
        f"audit entry {manifest.audit_seq}, {manifest.cases} case(s) "
        f"({manifest.erased} erased). Keys needed: {', '.join(manifest.kek_ids) or 'none'} "
        f"and {', '.join(manifest.audit_key_ids) or 'no audit key'}; they are NOT in it."
    )


@backup_cli.command("restore")
@click.argument("directory", type=DIRECTORY)
@click.option("--force", is_flag=True, help="Drop everything in the database first.")
def restore(directory: Path, force: bool):
    """Restore DIRECTORY onto the configured, empty database; then run `flask db upgrade`
    if the code is newer, and `flask backup verify DIRECTORY`."""
    try:
        manifest = backup.restore_backup(directory, force=force)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restored the backup of {manifest.created_at} (schema {manifest.schema_revision}, "
        f"audit entry {manifest.audit_seq}). Next: flask backup verify {directory}"
    )


@backup_cli.command("verify")
@click.argument("directory", type=DIRECTORY, required=False)
def verify(directory: Path | None):
    """Prove the database is whole: the audit chain and its checkpoints verify, every
    encrypted value of every table (cases, their child rows, account secrets) decrypts
    with the mounted keys, every erased case stays unreadable. With
    DIRECTORY, also that nothing the backup held is missing. Exit 1 on any problem."""
    try:
        report = backup.verify_restored(directory)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Schema {report.schema_revision} (code: {report.code_revision}); audit chain: "
        f"{report.audit_checked} entries, {report.audit_checkpoints} checkpoint(s); "
        f"{report.cases_decrypted} case(s) decrypted ({report.fields_decrypted} fields); "
        f"{report.erased_unreadable} erased case(s) unreadable."
    )
    for check in report.tables:
        failed = f", {check.failed} FAILED" if check.failed else ""
        click.echo(f"  {check.table}: {check.rows} row(s), {check.values} value(s) opened{failed}")
    if report.schema_revision != report.code_revision:
        click.echo("The schema is behind the code: run `flask db upgrade`.")
    if not report.ok:
        for problem in report.problems:
            click.echo(f"PROBLEM: {problem}", err=True)
        raise SystemExit(1)
    click.echo("Backup verified.")
