"""Revocable emailed request links: request.link_generation

Revision ID: sec_links_0004
Revises: pagecache_0003
"""
from alembic import op
import sqlalchemy as sa


revision = "sec_links_0004"
down_revision = "pagecache_0003"
branch_labels = None
depends_on = None


def upgrade():
    # Existing requests start at generation 0, the generation every link issued before carries: none was.
    with op.batch_alter_table("request") as batch:
        batch.add_column(sa.Column("link_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("request") as batch:
        batch.drop_column("link_generation")
