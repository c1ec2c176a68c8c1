"""staff.language: the language a staff member chose for their pages and notification mails

Revision ID: babel_0010
Revises: deflect_0010
Create Date: 2026-12-01 04:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'babel_0010'
down_revision = 'deflect_0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('language')
