"""`flask keys ...`: key status, KEK rotation and blind-index key rotation.

Both rotations run while the application keeps serving: they commit one batch at a time
and can be interrupted and re-run (they continue where they stopped). See
docs/encryption.md for the operator's procedure.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from referral.extensions import db

keys_cli = AppGroup("keys", help="Encryption keys: status and rotation.")


def _audit_failure(exc) -> None:
    from referral.cases import service

    service.report_decrypt_failure(exc)


@keys_cli.command("status")
def status():
    """KEK ids and how many case keys each wraps; blind-index versions."""
    from referral.cases import indexing, keys
    from referral.crypto import account_secrets

    st = keys.key_status()
    click.echo(f"Cases: {st.cases} ({st.erased} erased, their keys destroyed)")
    click.echo(f"Active KEK: {st.active_kek}")
    for kek_id in st.kek_ids:
        marker = "*" if kek_id == st.active_kek else " "
        click.echo(f" {marker} {kek_id:10} wraps {st.wrapped_by[kek_id]} case key(s)")
    if st.pending:
        click.echo(f"{st.pending} case key(s) not yet on the active KEK: run `flask keys rotate`.")
    secrets = account_secrets.pending_reseal()
    if secrets:
        click.echo(
            f"{secrets} account secret(s) not yet on the active KEK: run `flask keys rotate`."
        )
    click.echo("Blind-index versions:")
    for v in indexing.index_status():
        click.echo(f"   {v.key_id:10} {v.bits:2d} bits  {v.state:9} {v.values} value(s)")
    db.session.commit()


def _audit_secret_failure(exc) -> None:
    from referral.audit import service as audit

    audit.record(
        "crypt_decrypt_fail",
        target_type=exc.table,
        target_id=exc.row_id,
        outcome="failure",
        detail={"reason": exc.reason, "table": exc.table, "column": exc.column},
    )


def _pending() -> tuple[int, int]:
    from referral.cases import keys
    from referral.crypto import account_secrets

    return keys.pending_rewrap(), account_secrets.pending_reseal()


@keys_cli.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
def rotate(batch_size):
    """Add and promote a new KEK, then re-wrap every case key and seal every account
    secret (TOTP) again under it, in batches.

    If case keys or secrets remain on older KEKs (an interrupted run), no new KEK is
    made: the rotation continues.
    """
    from referral.audit import service as audit
    from referral.cases import keys
    from referral.crypto import account_secrets

    case_keys, secrets = _pending()
    ring = keys.keyring()
    if case_keys or secrets:
        new = ring.active_id("kek")
        click.echo(
            f"Resuming: {case_keys} case key(s) and {secrets} account secret(s) still to "
            f"move under {new}."
        )
        old = "several"
    else:
        old, new = keys.add_and_promote_kek()
        click.echo(f"Added {new} and made it active (was {old}).")
    audit.record("key_rotation_started", detail={"purpose": "kek", "from": old, "to": new})
    db.session.commit()
    total = keys.pending_rewrap()
    with click.progressbar(length=total, label="Re-wrapping case keys") as bar:
        result = keys.rewrap_all(batch_size, on_batch=bar.update, on_failure=_audit_failure)
    with click.progressbar(
        length=account_secrets.pending_reseal(), label="Sealing account secrets"
    ) as bar:
        sealed = account_secrets.reseal_all(
            batch_size, on_batch=bar.update, on_failure=_audit_secret_failure
        )
    # Writers that had not yet seen the new active.json may have added a few.
    case_keys, secrets = _pending()
    if case_keys > result.failed:
        result.rewrapped += keys.rewrap_all(batch_size, on_failure=lambda exc: None).rewrapped
    if secrets > sealed.failed:
        sealed.resealed += account_secrets.reseal_all(
            batch_size, on_failure=lambda exc: None
        ).resealed
    failed = result.failed + sealed.failed
    audit.record(
        "key_rotation_finished",
        outcome="success" if failed == 0 else "failure",
        detail={
            "purpose": "kek",
            "to": new,
            "rewrapped": result.rewrapped,
            "failed": result.failed,
            "secrets_resealed": sealed.resealed,
            "secrets_failed": sealed.failed,
        },
    )
    db.session.commit()
    click.echo(f"Re-wrapped {result.rewrapped} case key(s) under {new}; {result.failed} failed.")
    click.echo(
        f"Sealed {sealed.resealed} account secret(s) again under {new}; {sealed.failed} failed."
    )
    if failed:
        click.echo(
            "Failed items were left as they were and audited (crypt_decrypt_fail).", err=True
        )
        raise SystemExit(1)
    click.echo(
        "Keep the old KEK files until every backup that holds keys wrapped by them has "
        "expired; then remove them (docs/encryption.md)."
    )


@keys_cli.command("rotate-index")
@click.option(
    "--bits", type=click.IntRange(1, 31), default=None, help="Bit length of the new version."
)
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
def rotate_index(bits, batch_size):
    """New blind-index key version: dual-write, backfill, then switch and drop the old.

    Searches query every live version meanwhile, so they find every case throughout.
    Re-running after an interruption continues the backfill.
    """
    from referral.audit import service as audit
    from referral.cases import indexing
    from referral.crypto.blind_index import safe_bits

    version = indexing.start_index_rotation(bits)
    key_id, version_bits = version.key_id, version.bits
    safe = safe_bits(indexing.expected_rows())
    if version_bits not in safe:
        click.echo(
            f"Warning: {version_bits} bits is outside the planner's safe range "
            f"{safe.start}-{safe.stop - 1} for {indexing.expected_rows()} expected rows.",
            err=True,
        )
    audit.record("key_rotation_started", detail={"purpose": "bidx", "to": key_id})
    db.session.commit()
    click.echo(f"Writing blind-index version {key_id} ({version_bits} bits) beside the old one.")
    total = db.session.execute(
        db.select(db.func.count()).select_from(indexing.cases_missing(key_id).subquery())
    ).scalar_one()
    with click.progressbar(length=total, label="Backfilling") as bar:
        result = indexing.backfill(
            version, batch_size, on_batch=bar.update, on_failure=_audit_failure
        )
    version = db.session.get(indexing.BlindIndexVersion, key_id)
    if result.failed:
        db.session.commit()
        click.echo(f"{result.failed} case(s) could not be read; the switch waits.", err=True)
        raise SystemExit(1)
    # A final sweep for cases written by workers that had not seen the new version.
    indexing.backfill(version, batch_size, on_failure=_audit_failure)
    version = db.session.get(indexing.BlindIndexVersion, key_id)
    retired = indexing.finish_index_rotation(version)
    audit.record(
        "key_rotation_finished",
        detail={"purpose": "bidx", "to": key_id, "backfilled": result.written, "retired": retired},
    )
    db.session.commit()
    click.echo(
        f"Backfilled {result.written} case(s); {key_id} is active; retired {', '.join(retired)}."
    )


# The exit code of `flask keys check` when the keys do not open the database: apart from
# 1 (any other failure, e.g. the database unreachable), so that a script acts on a
# mismatch only, never on a passing fault.
KEYS_DO_NOT_MATCH = 3


@keys_cli.command("check")
def check():
    """Whether the mounted keys open this database: the first sealed value of every
    table that holds one, and the newest audit entry's MAC. Run it before serving. Exit 0
    when they open (or the database holds nothing sealed yet), 3 when they do not: the
    database was made under other keys. Nothing is written."""
    from referral.ops.sealed import probe_keys

    probes = probe_keys()
    problems = [p.problem for p in probes if p.problem]
    opened = [p.table for p in probes if p.opened]
    if problems:
        for problem in problems:
            click.echo(f"PROBLEM: {problem}", err=True)
        click.echo(
            "The mounted keys do not open this database: it was made, or restored, under "
            "other keys. Do not serve it. Mount the keys it was made with (docs/deploy.md).",
            err=True,
        )
        raise SystemExit(KEYS_DO_NOT_MATCH)
    if not opened:
        click.echo("Nothing sealed in the database yet: any keys will do.")
        return
    click.echo(
        f"The mounted keys open this database ({len(opened)} table(s): {', '.join(opened)})."
    )
