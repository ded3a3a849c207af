"""cases: encrypted case records, case keys and blind indexes (to be filled)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 11:30:00

"""

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
