"""job: the transactional outbox (mail, later webhook deliveries), written with each change

Revision ID: outbox_0006
Revises: apikeys_0005
"""
import sqlalchemy as sa
from alembic import op

revision = "outbox_0006"
down_revision = "apikeys_0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("job",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("kind", sa.String(length=40), nullable=False),
                    sa.Column("payload", sa.JSON(), nullable=False),
                    sa.Column("key", sa.String(length=255), nullable=False),
                    sa.Column("state", sa.String(length=10), nullable=False),
                    sa.Column("attempts", sa.Integer(), nullable=False),
                    sa.Column("run_after", sa.DateTime(), nullable=False),
                    sa.Column("lease_until", sa.DateTime(), nullable=True),
                    sa.Column("worker", sa.String(length=80), nullable=True),
                    sa.Column("last_error", sa.Text(), nullable=True),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.Column("updated_at", sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint("id"),
                    sa.UniqueConstraint("key", name=op.f("uq_job_key")))
    op.create_index("ix_job_state_run_after", "job", ["state", "run_after"])
    op.create_index("ix_job_state_lease_until", "job", ["state", "lease_until"])


def downgrade():
    op.drop_index("ix_job_state_lease_until", table_name="job")
    op.drop_index("ix_job_state_run_after", table_name="job")
    op.drop_table("job")
