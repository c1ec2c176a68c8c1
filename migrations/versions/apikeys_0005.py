"""api_key: one model of API keys for every API; the HelpSpot API tokens are copied in as full-access keys

Each token keeps its id, name, hash and dates, so a script's ``Authorization: Bearer ptk_...`` goes on working,
and the same token now also works as the key ``<id>:ptk_...`` on the REST dialects. The downgrade copies the
keys back (losing their new limits).

Revision ID: apikeys_0005
Revises: sec_mail_0004
"""
import sqlalchemy as sa
from alembic import op

revision = "apikeys_0005"
down_revision = "sec_mail_0004"
branch_labels = None
depends_on = None

COPIED = "id, staff_id, name, prefix, token_hash, created_at, last_used_at, revoked_at"


def _continue_ids(table: str) -> None:
    # Rows copied with their ids: PostgreSQL's sequence must start after them.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                   f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")


def upgrade():
    op.create_table("api_key",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("staff_id", sa.Integer(), nullable=False),
                    sa.Column("name", sa.String(length=100), nullable=False),
                    sa.Column("prefix", sa.String(length=12), nullable=False),
                    sa.Column("token_hash", sa.String(length=64), nullable=False),
                    sa.Column("read_only", sa.Boolean(), server_default=sa.false(), nullable=False),
                    sa.Column("tags", sa.String(length=500), server_default="*", nullable=False),
                    sa.Column("expires_at", sa.DateTime(), nullable=True),
                    sa.Column("hourly_limit", sa.Integer(), nullable=True),
                    sa.Column("daily_limit", sa.Integer(), nullable=True),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.Column("last_used_at", sa.DateTime(), nullable=True),
                    sa.Column("last_used_ip", sa.String(length=45), nullable=True),
                    sa.Column("revoked_at", sa.DateTime(), nullable=True),
                    sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_api_key_staff_id_staff"),
                                            ondelete="CASCADE"),
                    sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
                    sa.UniqueConstraint("token_hash", name=op.f("uq_api_key_token_hash")))
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_key_staff_id"), ["staff_id"], unique=False)
    op.execute(f"INSERT INTO api_key ({COPIED}) SELECT {COPIED} FROM api_token")
    _continue_ids("api_key")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_staff_id"))
    op.drop_table("api_token")


def downgrade():
    op.create_table("api_token",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("staff_id", sa.Integer(), nullable=False),
                    sa.Column("name", sa.String(length=100), nullable=False),
                    sa.Column("prefix", sa.String(length=12), nullable=False),
                    sa.Column("token_hash", sa.String(length=64), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.Column("last_used_at", sa.DateTime(), nullable=True),
                    sa.Column("revoked_at", sa.DateTime(), nullable=True),
                    sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_api_token_staff_id_staff"),
                                            ondelete="CASCADE"),
                    sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
                    sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")))
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_staff_id"), ["staff_id"], unique=False)
    op.execute(f"INSERT INTO api_token ({COPIED}) SELECT {COPIED} FROM api_key")
    _continue_ids("api_token")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_key_staff_id"))
    op.drop_table("api_key")
