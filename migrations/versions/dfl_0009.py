"""deflection_event, deflection_week, search_count, page_feedback and page_view: suggestions measured,
searches that found nothing counted, what readers say a page was missing, page views per day; an index on
request.closed_at for the dashboard's closed-per-day counts

Revision ID: dfl_0009
Revises: desk_0009
Create Date: 2026-12-01 00:45:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'dfl_0009'
down_revision = 'desk_0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('deflection_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('form', sa.String(length=8), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('target_kind', sa.String(length=8), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deflection_event')),
    sa.UniqueConstraint('visit', 'kind', 'target_kind', 'target_id', name='uq_deflection_event_once')
    )
    op.create_index('ix_deflection_event_week', 'deflection_event', ['week', 'kind'], unique=False)
    op.create_index('ix_deflection_event_target', 'deflection_event', ['kind', 'target_kind', 'target_id'],
                    unique=False)
    op.create_table('deflection_week',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('form', sa.String(length=8), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('target_kind', sa.String(length=8), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deflection_week'))
    )
    op.create_index('ix_deflection_week_week', 'deflection_week', ['week', 'kind'], unique=False)
    op.create_index('ix_deflection_week_target', 'deflection_week', ['kind', 'target_kind', 'target_id'],
                    unique=False)
    op.create_table('search_count',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('words', sa.String(length=200), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_count')),
    sa.UniqueConstraint('outcome', 'words', name='uq_search_count_outcome_words')
    )
    op.create_index('ix_search_count_top', 'search_count', ['outcome', 'count'], unique=False)
    op.create_table('page_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('voter', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('handled', sa.Boolean(), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_page_feedback_page_id_page'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['handled_by_id'], ['staff.id'], name=op.f('fk_page_feedback_handled_by_id_staff'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_feedback')),
    sa.UniqueConstraint('page_id', 'voter', name='uq_page_feedback_page_voter')
    )
    op.create_index('ix_page_feedback_open', 'page_feedback', ['page_id', 'handled'], unique=False)
    op.create_table('page_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_page_view_page_id_page'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_view')),
    sa.UniqueConstraint('page_id', 'day', name='uq_page_view_page_day')
    )
    op.create_index('ix_page_view_day', 'page_view', ['day', 'page_id'], unique=False)
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.create_index('ix_request_closed_at', ['closed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_index('ix_request_closed_at')
    op.drop_index('ix_page_view_day', table_name='page_view')
    op.drop_table('page_view')
    op.drop_index('ix_page_feedback_open', table_name='page_feedback')
    op.drop_table('page_feedback')
    op.drop_index('ix_search_count_top', table_name='search_count')
    op.drop_table('search_count')
    op.drop_index('ix_deflection_week_target', table_name='deflection_week')
    op.drop_index('ix_deflection_week_week', table_name='deflection_week')
    op.drop_table('deflection_week')
    op.drop_index('ix_deflection_event_target', table_name='deflection_event')
    op.drop_index('ix_deflection_event_week', table_name='deflection_event')
    op.drop_table('deflection_event')
