"""`flask ...` commands for operators. Thin: parse, call a service, commit once."""

from __future__ import annotations

import uuid

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from referral.extensions import db

users_cli = AppGroup("users", help="Manage staff accounts.")
audit_cli = AppGroup("audit", help="Inspect and verify the audit trail.")
demo_cli = AppGroup("demo", help="Demo data for trying the application.")


@users_cli.command("create")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        ["caseworker", "supervisor", "provider", "committee_member", "admin", "auditor"]
    ),
)
@click.option(
    "--organisation",
    "organisation_id",
    required=True,
    help="Organisation id (see `flask users orgs`).",
)
@click.option("--full-name", default="")
@click.option("--email", default=None)
def create_user(username, role, organisation_id, full_name, email):
    """Create an account with a temporary password that must be changed at first sign-in."""
    from referral.auth import service
    from referral.auth.permissions import Role

    try:
        org_id = uuid.UUID(organisation_id)
    except ValueError:
        raise click.BadParameter("not an organisation id", param_hint="--organisation") from None
    try:
        user, temporary = service.create_user(
            service.UserInput(
                username=username,
                full_name=full_name or username,
                email=email,
                role=Role(role),
                organisation_id=org_id,
            )
        )
    except service.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role}). Temporary password: {temporary}")


@users_cli.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include deactivated accounts.")
def list_users(show_all):
    from referral.auth import service

    for user in service.list_users(active=None if show_all else True):
        state = "active" if user.is_active_account else "deactivated"
        click.echo(f"{user.username:24} {user.role:18} {state:12} {user.organisation.name_en}")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate_user(username):
    """Deactivate an account and end its sessions."""
    from referral.audit import service as audit
    from referral.auth import service

    user = service.get_user_by_username(username)
    if user is None:
        raise click.ClickException("no such user")
    user.is_active_account = False
    ended = service.revoke_sessions(user)
    audit.record(
        "user_deactivated",
        target_type="user",
        target_id=user.id,
        detail={"via": "cli", "sessions_ended": ended},
    )
    db.session.commit()
    click.echo(f"Deactivated {user.username}; {ended} session(s) ended.")


@users_cli.command("reset-second-factor")
@click.argument("username")
def reset_second_factor(username):
    """Remove an account's second factor (a lost phone) and end its sessions. For the
    operator when no supervisor of the centre, or administrator, can do it."""
    from referral.auth import second_factor, service

    user = service.get_user_by_username(username)
    if user is None:
        raise click.ClickException("no such user")
    second_factor.reset(user, by=None)
    db.session.commit()
    click.echo(f"Second factor of {user.username} removed; it is set up again at sign-in.")


@users_cli.command("unlock")
@click.argument("username")
def unlock_user(username):
    """Lift a sign-in lockout before its time."""
    from referral.auth import service

    user = service.get_user_by_username(username)
    if user is None:
        raise click.ClickException("no such user")
    service.unlock_account(user, by=None)
    db.session.commit()
    click.echo(f"{user.username} can sign in again.")


@users_cli.command("orgs")
def list_orgs():
    """Organisation ids, for `users create --organisation`."""
    from referral.directory.models import Organisation

    for org in db.session.execute(select(Organisation).order_by(Organisation.name_en)).scalars():
        click.echo(f"{org.id}  {org.org_type:18} {org.name_en}")


CLI_REASONS = {
    "missing": "entry {seq} is missing or out of order",
    "broken_link": "entry {seq} does not link to the entry before it",
    "altered": "entry {seq} was altered",
    "unknown_key": "entry {seq} is sealed with a key id the key ring does not hold",
    "head_missing": "the chain's head row is missing (after entry {last})",
    "head_mismatch": "the chain ends at entry {last}, its head row says otherwise",
    "truncated": "truncated after entry {last}: checkpoint {checkpoint} names a later one",
    "rewritten": "entry {seq} differs from checkpoint {checkpoint}",
    "checkpoint_invalid": "checkpoint file line {line} {why}",
    "unsealed": "{unsealed} entries older than a minute are not sealed",
}


# Why a checkpoint line was refused (CheckpointError.why).
CHECKPOINT_REFUSALS = {
    "unreadable": "is unreadable",
    "other_key": "is signed with another key than ours: forged, or signed elsewhere",
    "bad_signature": "does not match its signature: altered or forged",
    "no_public_key": "cannot be checked: the checkpoint public key is missing",
}


def describe_break(result) -> str:
    detail = result.detail or {}
    text = CLI_REASONS[result.reason].format(
        seq=result.first_bad_seq,
        last=result.checked,
        checkpoint=detail.get("checkpoint_seq"),
        line=detail.get("line"),
        why=CHECKPOINT_REFUSALS.get(detail.get("why"), "is unreadable or wrongly signed"),
        unsealed=result.unsealed,
    )
    where = f" at entry {result.first_bad_seq}" if result.first_bad_seq else ""
    return f"Audit chain BROKEN{where}: {text} ({result.checked} entries verified before it)."


@audit_cli.command("verify")
def audit_verify():
    """Recompute the hash chain and compare it with the checkpoints; exit 1 if any entry
    was altered, removed, inserted or cut off."""
    from referral.audit import service as audit

    result = audit.verify_chain()
    audit.record(
        "audit_verify",
        outcome="success" if result.ok else "failure",
        detail={"checked": result.checked, "first_bad_seq": result.first_bad_seq, "via": "cli"},
    )
    db.session.commit()
    audit.seal_pending()
    if result.ok:
        click.echo(
            f"Audit chain intact: {result.checked} entries verified"
            + (f" (entries 1 to {result.last_seq})" if result.checked else "")
            + f"; {result.checkpoints} checkpoint(s) matched."
        )
    else:
        click.echo(describe_break(result), err=True)
        raise SystemExit(1)


@audit_cli.command("seal")
def audit_seal():
    """Seal entries still waiting for their place in the chain (cron: every minute)."""
    from referral.audit import service as audit

    sealed = audit.seal_pending(wait=True, max_batches=10**6)
    click.echo(f"Sealed {sealed} audit entries.")


@audit_cli.command("checkpoint")
def audit_checkpoint():
    """Append the sealed chain's tip, signed, to the checkpoint file outside the
    database (cron: hourly). Exit 1 if no checkpoint directory is configured."""
    from referral.audit import checkpoints
    from referral.audit import service as audit

    audit.seal_pending(wait=True, max_batches=10**6)
    try:
        mark = checkpoints.write_checkpoint()
    except (checkpoints.CheckpointError, OSError) as error:
        raise click.ClickException(f"no checkpoint written: {error}") from None
    if mark is None:
        click.echo("The audit chain is empty: nothing to checkpoint.")
        return
    audit.record("audit_checkpoint", detail={"seq": mark.seq, "via": "cli"})
    db.session.commit()
    audit.seal_pending()
    click.echo(
        f"Checkpoint written: entry {mark.seq} at {mark.at} ({checkpoints.checkpoint_dir()})."
    )


@demo_cli.command("seed")
@click.option(
    "--url",
    envvar="DEMO_URL",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Where the demo is served (printed with the logins).",
)
def demo_seed(url):
    """Load locations, demo organisations and one user of every role. Safe to re-run."""
    from flask import current_app

    from referral.demo import service

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("demo accounts are never created in production")
    summary = service.seed_demo()
    db.session.commit()
    click.echo(service.format_summary(summary, url=url))


@demo_cli.command("code")
@click.argument("username")
def demo_code(username):
    """Print the sign-in code a demo user's authenticator app would show now."""
    from flask import current_app

    from referral.auth import second_factor
    from referral.auth.service import get_user_by_username

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("codes are printed for the demo only, never in production")
    user = get_user_by_username(username)
    if user is None or not user.has_second_factor:
        raise click.ClickException(f"{username} has no second factor set up")
    try:
        click.echo(second_factor.code_now(user))
    except ValueError:
        raise click.ClickException("this code was just used; try again in 30 seconds") from None


def register(app: Flask) -> None:
    from referral.cases.cli import cases_cli
    from referral.crypto.cli import keys_cli
    from referral.directory.cli import directory_cli
    from referral.info.cli import info_cli
    from referral.ops.cli import backup_cli
    from referral.referrals.cli import referrals_cli
    from referral.stats.cli import stats_cli

    groups = (
        users_cli,
        audit_cli,
        demo_cli,
        keys_cli,
        directory_cli,
        cases_cli,
        referrals_cli,
        stats_cli,
        backup_cli,
        info_cli,
    )
    for group in groups:
        app.cli.add_command(group)
