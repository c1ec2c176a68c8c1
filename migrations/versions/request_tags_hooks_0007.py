"""request tags (reporting tags / labels) and webhook subscriptions (Zapier REST hooks)

Revision ID: request_tags_hooks_0007
Revises: outbox_0006
"""
import sqlalchemy as sa
from alembic import op

revision = "request_tags_hooks_0007"
down_revision = "outbox_0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("request_tag",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("name", sa.String(length=100), nullable=False),
                    sa.Column("name_key", sa.String(length=100), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint("id", name=op.f("pk_request_tag")),
                    sa.UniqueConstraint("name_key", name=op.f("uq_request_tag_name_key")))
    op.create_table("request_tag_link",
                    sa.Column("request_id", sa.Integer(), nullable=False),
                    sa.Column("tag_id", sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(["request_id"], ["request.id"], ondelete="CASCADE",
                                            name=op.f("fk_request_tag_link_request_id_request")),
                    sa.ForeignKeyConstraint(["tag_id"], ["request_tag.id"], ondelete="CASCADE",
                                            name=op.f("fk_request_tag_link_tag_id_request_tag")),
                    sa.PrimaryKeyConstraint("request_id", "tag_id", name=op.f("pk_request_tag_link")))
    op.create_index(op.f("ix_request_tag_link_tag_id"), "request_tag_link", ["tag_id"])
    op.create_table("hook_subscription",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("api_key_id", sa.Integer(), nullable=False),
                    sa.Column("staff_id", sa.Integer(), nullable=False),
                    sa.Column("source", sa.String(length=20), nullable=False),
                    sa.Column("event", sa.String(length=100), nullable=False),
                    sa.Column("target_url", sa.String(length=2000), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(["api_key_id"], ["api_key.id"], ondelete="CASCADE",
                                            name=op.f("fk_hook_subscription_api_key_id_api_key")),
                    sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="CASCADE",
                                            name=op.f("fk_hook_subscription_staff_id_staff")),
                    sa.PrimaryKeyConstraint("id", name=op.f("pk_hook_subscription")))
    op.create_index(op.f("ix_hook_subscription_api_key_id"), "hook_subscription", ["api_key_id"])
    op.create_index("ix_hook_subscription_event", "hook_subscription", ["event"])


def downgrade():
    op.drop_index("ix_hook_subscription_event", table_name="hook_subscription")
    op.drop_index(op.f("ix_hook_subscription_api_key_id"), table_name="hook_subscription")
    op.drop_table("hook_subscription")
    op.drop_index(op.f("ix_request_tag_link_tag_id"), table_name="request_tag_link")
    op.drop_table("request_tag_link")
    op.drop_table("request_tag")
