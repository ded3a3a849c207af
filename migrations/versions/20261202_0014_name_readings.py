"""name readings: a case may have several blind-index values per index and key version

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 19:10:00

A name typed in Latin can stand for more than one Cyrillic spelling (j is ж or й, x is кс
or х), so every reading is indexed: the value joins the primary key. Values written
before this revision hold the first reading only; `flask keys rotate-index` (a new
index key, backfilled from the decrypted names) writes every reading for old cases.
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_search_index", recreate="always") as batch_op:
        batch_op.drop_constraint("pk_case_search_index", type_="primary")
        batch_op.create_primary_key("pk_case_search_index", ["case_id", "name", "key_id", "value"])


def downgrade():
    # Keep one value per (case, index, version): the smallest, so the key stays unique.
    op.execute(
        "DELETE FROM case_search_index WHERE EXISTS (SELECT 1 FROM case_search_index AS o "
        "WHERE o.case_id = case_search_index.case_id AND o.name = case_search_index.name "
        "AND o.key_id = case_search_index.key_id AND o.value < case_search_index.value)"
    )
    with op.batch_alter_table("case_search_index", recreate="always") as batch_op:
        batch_op.drop_constraint("pk_case_search_index", type_="primary")
        batch_op.create_primary_key("pk_case_search_index", ["case_id", "name", "key_id"])
