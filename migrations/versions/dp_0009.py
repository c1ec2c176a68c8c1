"""saved_filter: staff's saved queue views (their own or shared), behind the queue page, HelpSpot's
private.user.getFilters / private.filter.get and DeskPRO's ticket_filters; temp_blob for DeskPRO's POST /blobs/temp; note(created_at) for private.request.getChanged

Revision ID: dp_0009
Revises: mail_0009
Create Date: 2026-12-01 00:55:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'dp_0009'
down_revision = 'mail_0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saved_filter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_key', sa.String(length=100), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('view', sa.String(length=20), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('status_id', sa.Integer(), nullable=True),
    sa.Column('tag', sa.String(length=100), nullable=False),
    sa.Column('q', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_saved_filter_category_id_category'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['staff.id'], name=op.f('fk_saved_filter_owner_id_staff'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['status_id'], ['status.id'], name=op.f('fk_saved_filter_status_id_status'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filter'))
    )
    with op.batch_alter_table('saved_filter', schema=None) as batch_op:
        batch_op.create_index('ix_saved_filter_owner_name', ['owner_id', 'name_key'], unique=True)
        batch_op.create_index('ix_saved_filter_shared', ['shared'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_filter_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_filter_status_id'), ['status_id'], unique=False)
    op.create_table('temp_blob',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('auth', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('mime_type', sa.String(length=127), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_temp_blob_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_temp_blob')),
    sa.UniqueConstraint('auth', name=op.f('uq_temp_blob_auth'))
    )
    with op.batch_alter_table('temp_blob', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_temp_blob_staff_id'), ['staff_id'], unique=False)
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.create_index('ix_note_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_index('ix_note_created_at')
    with op.batch_alter_table('temp_blob', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_temp_blob_staff_id'))
    op.drop_table('temp_blob')
    with op.batch_alter_table('saved_filter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_filter_status_id'))
        batch_op.drop_index(batch_op.f('ix_saved_filter_category_id'))
        batch_op.drop_index('ix_saved_filter_shared')
        batch_op.drop_index('ix_saved_filter_owner_name')
    op.drop_table('saved_filter')
