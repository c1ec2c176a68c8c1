"""ix_tag_name_lower: tags are matched by name whatever the case (the search page's related tags, the
editor's tag list); the lookup reads the named tags instead of the whole tag table

Revision ID: tagname_0011
Revises: babel_0010
Create Date: 2026-12-02 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'tagname_0011'
down_revision = 'babel_0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_tag_name_lower', 'tag', [sa.text('lower(name)')])


def downgrade():
    op.drop_index('ix_tag_name_lower', table_name='tag')
