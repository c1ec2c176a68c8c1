"""page.hidden folded into page.visibility: a hidden page becomes private (staff only)

A page had two ways to be staff-only: the older ``hidden`` flag and the newer ``visibility`` (public,
private, link_only). Keeping both let them disagree (a hidden link-only page: readable by its link or
not?). Hidden wins: every hidden page becomes private, whatever its visibility was, so no page becomes
readable by anyone who could not read it before. Downgrading sets ``hidden`` on the private pages.

Revision ID: kbtrans_0010
Revises: slang_0009
Create Date: 2026-12-01 04:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'kbtrans_0010'
down_revision = 'slang_0009'
branch_labels = None
depends_on = None

page = sa.table('page', sa.column('hidden', sa.Boolean()), sa.column('visibility', sa.String(10)))


def upgrade():
    op.execute(page.update().where(page.c.hidden == sa.true()).values(visibility='private'))
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_column('hidden')


def downgrade():
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(page.update().where(page.c.visibility == 'private').values(hidden=True))
