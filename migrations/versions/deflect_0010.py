"""request.first_reply_at: when staff first answered in public, backfilled from the notes; covering indexes so
the dashboard's counts and medians read indexes, not request rows

Revision ID: deflect_0010
Revises: outbox_0010
Create Date: 2026-12-01 04:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'deflect_0010'
down_revision = 'outbox_0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_reply_at', sa.DateTime(), nullable=True))
    # The same rule as portal.requests.services.add_note: a public note by staff, not the one the request
    # was opened with. One statement (ix_note_request finds each request's notes).
    op.execute(sa.text(
        "UPDATE request SET first_reply_at = (SELECT min(note.created_at) FROM note"
        " WHERE note.request_id = request.id AND note.is_public = :yes AND note.staff_id IS NOT NULL"
        " AND note.is_initial = :no)").bindparams(yes=True, no=False))
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_index('ix_request_opened_at')  # ix_request_opened_times starts with opened_at
        batch_op.create_index('ix_request_opened_times',
                              ['opened_at', 'trashed', 'is_open', 'first_reply_at', 'closed_at'], unique=False)
        # The closed-per-day counts and the backlog read only this index (no table row per request).
        batch_op.drop_index('ix_request_closed_at')
        batch_op.create_index('ix_request_closed_at', ['closed_at', 'trashed', 'is_open', 'opened_at'], unique=False)


def downgrade():
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_index('ix_request_closed_at')
        batch_op.create_index('ix_request_closed_at', ['closed_at'], unique=False)
        batch_op.drop_index('ix_request_opened_times')
        batch_op.create_index('ix_request_opened_at', ['opened_at'], unique=False)
        batch_op.drop_column('first_reply_at')
