"""`flask stats ...`: operator commands of the statistics. Thin: call a service, commit
once."""

import click
from flask.cli import AppGroup

stats_cli = AppGroup("stats", help="Statistics operations (rebuild the facts tables).")


@stats_cli.command("rebuild")
def rebuild():
    """Recompute the statistics facts from the cases, incidents and referrals (after
    a restore, or to repair rows written around the services). The services keep them
    current on their own; this is never needed for a withdrawal to take effect."""
    from referral.extensions import db
    from referral.stats import facts

    counts = facts.rebuild()
    db.session.commit()
    click.echo(
        "Statistics facts rebuilt: "
        + ", ".join(f"{table} {count}" for table, count in counts.items())
    )
