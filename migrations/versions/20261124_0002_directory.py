"""directory: services, committees and local pathways (to be filled by the directory work)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 11:30:00

"""

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
