"""notification_preference.followed: staff choose whether they are mailed about requests they follow

Revision ID: fix19_0009
Revises: lang_0009
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'fix19_0009'
down_revision = 'lang_0009'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows get the default every staff member without a row has: on.
    with op.batch_alter_table('notification_preference', schema=None) as batch_op:
        batch_op.add_column(sa.Column('followed', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('notification_preference', schema=None) as batch_op:
        batch_op.drop_column('followed')
