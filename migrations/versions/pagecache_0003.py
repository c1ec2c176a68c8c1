"""cache_generation: a counter per scope of cached replies, raised by every commit that writes the scope

Revision ID: pagecache_0003
Revises: perf_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "pagecache_0003"
down_revision = "perf_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("cache_generation",
                    sa.Column("scope", sa.String(length=40), nullable=False),
                    sa.Column("value", sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint("scope", name=op.f("pk_cache_generation")))


def downgrade():
    op.drop_table("cache_generation")
