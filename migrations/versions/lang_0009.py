"""Knowledge books in several languages: page, book and chapter translations, page status and visibility
(draft/published; public/private/link-only with a share token), page revisions, HelpCenter.io external ids.
Existing pages, books and chapters move into the default language (the first of the ``languages`` setting,
else en), with a slug per page unique in that language.

Revision ID: lang_0009
Revises: dfl_0009
Create Date: 2026-12-01 01:00:00
"""
import json
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = 'lang_0009'
down_revision = 'dfl_0009'
branch_labels = None
depends_on = None


def _slug(text):
    text = (text or "").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:120].rstrip("-") or "item"


def upgrade():
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='published', nullable=False))
        batch_op.add_column(sa.Column('visibility', sa.String(length=10), server_default='public', nullable=False))
        batch_op.add_column(sa.Column('share_token', sa.String(length=43), nullable=True))
        batch_op.add_column(sa.Column('external_id', sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_page_share_token'), ['share_token'])
        batch_op.create_unique_constraint(batch_op.f('uq_page_external_id'), ['external_id'])
        batch_op.create_index('ix_page_listed', ['status', 'visibility'], unique=False)
    op.create_table('page_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('slug', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_page_translation_page_id_page'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_translation')),
    sa.UniqueConstraint('language', 'slug', name='uq_page_translation_language_slug'),
    sa.UniqueConstraint('page_id', 'language', name='uq_page_translation_page_language')
    )
    op.create_table('book_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('book_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['book_id'], ['book.id'], name=op.f('fk_book_translation_book_id_book'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_book_translation')),
    sa.UniqueConstraint('book_id', 'language', name='uq_book_translation_book_language')
    )
    op.create_table('chapter_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chapter_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['chapter_id'], ['chapter.id'], name=op.f('fk_chapter_translation_chapter_id_chapter'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chapter_translation')),
    sa.UniqueConstraint('chapter_id', 'language', name='uq_chapter_translation_chapter_language')
    )
    op.create_table('page_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('change', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_page_revision_page_id_page'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_page_revision_staff_id_staff'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_revision'))
    )
    with op.batch_alter_table('page_revision', schema=None) as batch_op:
        batch_op.create_index('ix_page_revision_page', ['page_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_page_revision_staff_id'), ['staff_id'], unique=False)
    _move_content_into_default_language()


def _move_content_into_default_language():
    bind = op.get_bind()
    stored = bind.execute(sa.text("SELECT value FROM setting WHERE key = 'languages'")).scalar()
    language = (json.loads(stored) if stored else "en").split(",")[0].strip() or "en"
    bind.execute(sa.text("INSERT INTO book_translation (book_id, language, name, description) "
                         "SELECT id, :language, name, description FROM book"), {"language": language})
    bind.execute(sa.text("INSERT INTO chapter_translation (chapter_id, language, name, description) "
                         "SELECT id, :language, name, '' FROM chapter"), {"language": language})
    # Slugs made here (not in SQL) so that they read like the portal's and are unique in the language;
    # pages are read in batches by id so a large knowledge base never sits in memory at once.
    taken, last = set(), 0
    while True:
        rows = bind.execute(sa.text("SELECT id, name, body, updated_at FROM page WHERE id > :last ORDER BY id "
                                    "LIMIT 1000"), {"last": last}).all()
        if not rows:
            break
        values = []
        for page_id, name, body, updated in rows:
            slug = base = _slug(name)
            if slug in taken:
                slug = f"{base[:110]}-{page_id}"
            taken.add(slug)
            values.append({"page_id": page_id, "language": language, "title": name, "slug": slug,
                           "body": body or "", "updated_at": updated})
        bind.execute(sa.text("INSERT INTO page_translation (page_id, language, title, slug, body, updated_at) "
                             "VALUES (:page_id, :language, :title, :slug, :body, :updated_at)"), values)
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table('page_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_revision_staff_id'))
        batch_op.drop_index('ix_page_revision_page')
    op.drop_table('page_revision')
    op.drop_table('chapter_translation')
    op.drop_table('book_translation')
    op.drop_table('page_translation')
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_index('ix_page_listed')
        batch_op.drop_constraint(batch_op.f('uq_page_external_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_page_share_token'), type_='unique')
        batch_op.drop_column('external_id')
        batch_op.drop_column('share_token')
        batch_op.drop_column('visibility')
        batch_op.drop_column('status')
