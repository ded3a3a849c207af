"""stats: indexes for the statistics' period scans

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 20:05:00

Every statistics figure starts from a period: incidents by report date (joined to their
case), referrals by the time they were sent, cases by when they were opened. Without
these indexes a national or committee dashboard reads the whole table for one month.
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("incidents") as batch_op:
        batch_op.create_index("ix_incidents_report_date_case", ["report_date", "case_id"])
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.create_index("ix_referrals_sent_case", ["sent_at", "case_id"])
    with op.batch_alter_table("cases") as batch_op:
        batch_op.create_index("ix_cases_created_at", ["created_at"])


def downgrade():
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index("ix_cases_created_at")
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.drop_index("ix_referrals_sent_case")
    with op.batch_alter_table("incidents") as batch_op:
        batch_op.drop_index("ix_incidents_report_date_case")
