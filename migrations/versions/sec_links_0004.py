"""Revocable emailed request links (request.link_generation); proof-of-work challenges used once
(spent_challenge)

Revision ID: sec_links_0004
Revises: sec_accounts_0004
"""
import sqlalchemy as sa
from alembic import op

revision = "sec_links_0004"
down_revision = "sec_accounts_0004"
branch_labels = None
depends_on = None


def upgrade():
    # Existing requests start at generation 0, the one every link issued before carries: none was.
    with op.batch_alter_table("request") as batch:
        batch.add_column(sa.Column("link_generation", sa.Integer(), server_default="0", nullable=False))
    op.create_table("spent_challenge",
                    sa.Column("challenge", sa.String(length=64), nullable=False),
                    sa.Column("expires_at", sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint("challenge", name=op.f("pk_spent_challenge")))
    with op.batch_alter_table("spent_challenge") as batch:
        batch.create_index(batch.f("ix_spent_challenge_expires_at"), ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("spent_challenge") as batch:
        batch.drop_index(batch.f("ix_spent_challenge_expires_at"))
    op.drop_table("spent_challenge")
    with op.batch_alter_table("request") as batch:
        batch.drop_column("link_generation")
