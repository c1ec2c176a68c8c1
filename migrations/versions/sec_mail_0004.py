"""topic_subscription: forum reply subscriptions, pending until their address confirms them (issue 11)

Subscriptions asked for before this revision (post.email_updates) were never confirmed by anyone, so none is
carried over: a subscriber who wants replies ticks the box again and confirms the mailed link.

Revision ID: sec_mail_0004
Revises: sec_links_0004
"""
import sqlalchemy as sa
from alembic import op

revision = "sec_mail_0004"
down_revision = "sec_links_0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("topic_subscription",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("topic_id", sa.Integer(), nullable=False),
                    sa.Column("email", sa.String(length=255), nullable=False),
                    sa.Column("asked_at", sa.DateTime(), nullable=False),
                    sa.Column("confirmed_at", sa.DateTime(), nullable=True),
                    sa.ForeignKeyConstraint(["topic_id"], ["topic.id"],
                                            name=op.f("fk_topic_subscription_topic_id_topic"), ondelete="CASCADE"),
                    sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_subscription")),
                    sa.UniqueConstraint("topic_id", "email", name=op.f("uq_topic_subscription_topic_id")))
    op.create_index("ix_topic_subscription_email", "topic_subscription", ["email", "asked_at"], unique=False)


def downgrade():
    op.drop_index("ix_topic_subscription_email", table_name="topic_subscription")
    op.drop_table("topic_subscription")
