"""`flask referrals ...`: operator commands of the referrals. Thin: call a service, commit
once."""

import click
from flask.cli import AppGroup

referrals_cli = AppGroup("referrals", help="Referral operations (overdue reminders).")


@referrals_cli.command("remind")
def remind():
    """Tell the caseworkers and supervisors of every referral that became overdue since
    the last run (once per referral). A timer runs it every few minutes
    (docs/notifications.md)."""
    from referral.extensions import db
    from referral.referrals.service import reminders

    run = reminders.send_reminders()
    db.session.commit()
    click.echo(
        f"{run.referrals} overdue referral(s) reminded; {run.notifications} notification(s)."
    )
