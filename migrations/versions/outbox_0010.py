"""Hook deliveries in the webhook delivery log; inbound mail that failed, counted then parked

webhook_delivery.subscription_id: a REST hook subscription's (DeskPRO's Zapier hooks) deliveries are logged
beside the endpoints'; endpoint_id becomes optional. inbound_mail.attempts and imap_uid: a mail the importer
fails on is tried INBOUND_MAX_ATTEMPTS times, then parked. temp_blob's indexes serve the purge of expired blobs.

Revision ID: outbox_0010
Revises: kbtrans_0010
Create Date: 2026-12-01 04:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'outbox_0010'
down_revision = 'kbtrans_0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.alter_column('endpoint_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('subscription_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_webhook_delivery_subscription_id_hook_subscription'),
                                    'hook_subscription', ['subscription_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_webhook_delivery_subscription_id', ['subscription_id', 'id'], unique=False)
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('imap_uid', sa.String(length=40), nullable=True))
    with op.batch_alter_table('temp_blob', schema=None) as batch_op:
        batch_op.create_index('ix_temp_blob_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_temp_blob_sha256', ['sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('temp_blob', schema=None) as batch_op:
        batch_op.drop_index('ix_temp_blob_sha256')
        batch_op.drop_index('ix_temp_blob_created_at')
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.drop_column('imap_uid')
        batch_op.drop_column('attempts')
    op.execute("DELETE FROM webhook_delivery WHERE endpoint_id IS NULL")
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_delivery_subscription_id')
        batch_op.drop_constraint(batch_op.f('fk_webhook_delivery_subscription_id_hook_subscription'),
                                 type_='foreignkey')
        batch_op.drop_column('subscription_id')
        batch_op.alter_column('endpoint_id', existing_type=sa.Integer(), nullable=False)
