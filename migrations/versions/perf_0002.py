"""indexes for the home page lists: highlighted pages (partial), latest topics across forums

Revision ID: perf_0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "perf_0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.create_index("ix_page_highlighted", ["name"], unique=False,
                              sqlite_where=sa.text("highlight = 1"), postgresql_where=sa.text("highlight"))
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.create_index("ix_topic_last_post_at", ["last_post_at"], unique=False)


def downgrade():
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.drop_index("ix_topic_last_post_at")
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.drop_index("ix_page_highlighted")
