"""customer contact fields (first_name, last_name, updated_at) and customer_phone, for HappyFox's contacts

Revision ID: hf_0009
Revises: webhooks_0008
Create Date: 2026-12-01 00:55:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'hf_0009'
down_revision = 'webhooks_0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_name', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('last_name', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
    op.create_table('customer_phone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=2), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('is_primary', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_phone_customer_id_customer'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_phone'))
    )
    with op.batch_alter_table('customer_phone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_phone_customer_id'), ['customer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('customer_phone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_phone_customer_id'))
    op.drop_table('customer_phone')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('last_name')
        batch_op.drop_column('first_name')
