"""audit: entries are written unsealed and chained afterwards by one sealer

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 19:00:00

Every audited request used to lock the single audit_head row until it committed, so
reads of cases queued behind each other. Now a request only inserts its entry (its own
`id`, from a sequence: no shared row); `seq`, `key_id`, `prev_hash` and `entry_hash`
are filled in once, by the sealer (docs/audit.md). The triggers still refuse DELETE,
TRUNCATE and any UPDATE except that one sealing of an unsealed entry, which may touch
nothing but the chain columns.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CONTENT = (
    "occurred_at",
    "action",
    "outcome",
    "actor_user_id",
    "actor_role",
    "actor_org_id",
    "target_type",
    "target_id",
    "request_id",
    "ip",
)
CHAIN_LENGTHS = {"key_id": 20, "prev_hash": 64, "entry_hash": 64}
CHAIN = tuple(CHAIN_LENGTHS)

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    -- The one UPDATE allowed: sealing an unsealed entry, its content untouched.
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
       AND NEW.entry_hash IS NOT NULL
       AND NEW.id = OLD.id
       AND ({new}, NEW.detail::text) IS NOT DISTINCT FROM ({old}, OLD.detail::text)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only';
END; $$ LANGUAGE plpgsql
""".format(new=", ".join(f"NEW.{c}" for c in CONTENT), old=", ".join(f"OLD.{c}" for c in CONTENT))
SQLITE_SEAL_ONLY = " AND ".join(
    ["OLD.seq IS NULL", "NEW.seq IS NOT NULL", "NEW.entry_hash IS NOT NULL", "NEW.id IS OLD.id"]
    + [f"NEW.{c} IS OLD.{c}" for c in (*CONTENT, "detail")]
)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.execute("ALTER TABLE audit_events DROP CONSTRAINT pk_audit_events")
        op.execute("ALTER TABLE audit_events ADD COLUMN id BIGSERIAL")
        # Existing entries keep their order: id = seq, and new ids continue after them.
        op.execute("UPDATE audit_events SET id = seq")
        op.execute(
            "SELECT setval(pg_get_serial_sequence('audit_events', 'id'), "
            "COALESCE((SELECT MAX(id) FROM audit_events), 0) + 1, false)"
        )
        op.execute("ALTER TABLE audit_events ADD CONSTRAINT pk_audit_events PRIMARY KEY (id)")
        for column in ("seq", *CHAIN):
            op.alter_column("audit_events", column, nullable=True)
        op.create_index("ix_audit_events_seq", "audit_events", ["seq"], unique=True)
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        return
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    # SQLite rebuilds the table; `id` (INTEGER PRIMARY KEY, the rowid) is numbered in
    # the order the rows are copied, which is seq order.
    with op.batch_alter_table("audit_events", recreate="always") as batch_op:
        batch_op.add_column(sa.Column("id", sa.Integer(), nullable=False, primary_key=True))
        batch_op.drop_constraint("pk_audit_events", type_="primary")
        batch_op.create_primary_key("pk_audit_events", ["id"])
        for column, length in CHAIN_LENGTHS.items():
            batch_op.alter_column(column, existing_type=sa.String(length), nullable=True)
        batch_op.alter_column("seq", existing_type=BIGINT, nullable=True)
        batch_op.create_index("ix_audit_events_seq", ["seq"], unique=True)
    op.execute(
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
        f"WHEN NOT ({SQLITE_SEAL_ONLY}) "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    )


def downgrade():
    bind = op.get_bind()
    unsealed = bind.execute(sa.text("SELECT COUNT(*) FROM audit_events WHERE seq IS NULL"))
    if unsealed.scalar():
        raise RuntimeError("seal the audit chain first (flask audit seal)")
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.drop_index("ix_audit_events_seq", table_name="audit_events")
        op.execute("ALTER TABLE audit_events DROP CONSTRAINT pk_audit_events")
        op.execute("ALTER TABLE audit_events DROP COLUMN id")
        for column in ("seq", *CHAIN):
            op.alter_column("audit_events", column, nullable=False)
        op.execute("ALTER TABLE audit_events ADD CONSTRAINT pk_audit_events PRIMARY KEY (seq)")
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        return
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    with op.batch_alter_table("audit_events", recreate="always") as batch_op:
        batch_op.drop_index("ix_audit_events_seq")
        batch_op.drop_constraint("pk_audit_events", type_="primary")
        batch_op.drop_column("id")
        for column, length in CHAIN_LENGTHS.items():
            batch_op.alter_column(column, existing_type=sa.String(length), nullable=False)
        batch_op.alter_column("seq", existing_type=BIGINT, nullable=False)
        batch_op.create_primary_key("pk_audit_events", ["seq"])
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )
