"""accounts (issue 11): confirmed customer emails, per-account session generations, remembered login addresses

customer.email_confirmed_at: an account shows the requests of its email only once the email is confirmed
(a mailed link was opened, or staff set the password). Rows that already had a password are NOT marked
confirmed, because before this version registering needed no proof of owning the address: a row may
hold a password chosen by someone else. The exception is a row whose password came through a password-
reset link (a used reset): its owner proved the address when the link was opened, and since then only
that owner (logged in) or staff could change the password. Everyone else confirms once: logging in
with their password mails them a link.

staff.session_generation, customer.session_generation: part of every session id; raising one ends
every session and remember cookie of that account. Existing sessions carry no generation and count as 0.

login_attempt.succeeded: one row per (account, address) that logged in successfully, so failures from
that address do not lock that account out.

Revision ID: sec_accounts_0004
Revises: pagecache_0003
"""
import sqlalchemy as sa
from alembic import op

revision = "sec_accounts_0004"
down_revision = "pagecache_0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_confirmed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("succeeded", sa.Boolean(), server_default=sa.false(), nullable=False))
    # Proven by a used reset link (see the module docstring); every other password must be confirmed.
    op.execute("UPDATE customer SET email_confirmed_at = (SELECT MAX(password_reset.used_at) FROM password_reset "
               "WHERE password_reset.customer_id = customer.id) "
               "WHERE password_hash IS NOT NULL AND EXISTS (SELECT 1 FROM password_reset "
               "WHERE password_reset.customer_id = customer.id AND password_reset.used_at IS NOT NULL)")


def downgrade():
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_column("succeeded")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
        batch_op.drop_column("email_confirmed_at")
