"""search_change.host: which host's index wrote a change in-process, so its own catch-up skips it

Revision ID: slang_0009
Revises: fix19_0009
Create Date: 2026-12-01 02:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'slang_0009'
down_revision = 'fix19_0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('host', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('search_change', schema=None) as batch_op:
        batch_op.drop_column('host')
