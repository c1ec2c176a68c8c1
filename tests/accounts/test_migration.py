"""Migration sec_accounts_0004 on existing rows: which customers count as having confirmed their email."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal.extensions import db
from tests.conftest import make_app


def test_only_passwords_set_through_a_used_link_count_as_confirmed(tmp_path):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'upgrade.db'}")
    with app.app_context():
        upgrade(revision="pagecache_0003")
        with db.engine.begin() as connection:
            for n, (email, password) in enumerate([("reset@example.com", "scrypt:x"),  # used a reset link
                                                   ("registered@example.com", "scrypt:x"),  # no proof
                                                   ("unused@example.com", "scrypt:x"),  # a link, never opened
                                                   ("walkin@example.com", None)], start=1):  # a request's row
                connection.execute(text("INSERT INTO customer (id, email, password_hash, created_at) "
                                        "VALUES (:id, :email, :pw, '2024-01-01 00:00:00')"),
                                   {"id": n, "email": email, "pw": password})
            connection.execute(text(
                "INSERT INTO password_reset (customer_id, token_hash, created_at, expires_at, used_at) VALUES "
                "(1, 'a', '2024-02-01 00:00:00', '2024-02-01 02:00:00', '2024-02-01 00:10:00'), "
                "(3, 'b', '2024-02-01 00:00:00', '2024-02-01 02:00:00', NULL)"))
            connection.execute(text("INSERT INTO staff (email, first_name, last_name, password_hash, role, active, "
                                    "signature, created_at) VALUES ('a@example.com', 'A', '', 'x', 'agent', 1, '', "
                                    "'2024-01-01 00:00:00')"))
            connection.execute(text("INSERT INTO login_attempt (account, ip, created_at) "
                                    "VALUES ('staff:a@example.com', '10.0.0.1', '2024-01-01 00:00:00')"))
        upgrade()
        with db.engine.connect() as connection:
            confirmed = dict(connection.execute(text("SELECT email, email_confirmed_at FROM customer")).all())
            generations = connection.execute(text("SELECT session_generation FROM customer UNION ALL "
                                                  "SELECT session_generation FROM staff")).scalars().all()
            succeeded = connection.execute(text("SELECT succeeded FROM login_attempt")).scalars().all()
        downgrade(revision="pagecache_0003")
        db.engine.dispose()
    assert str(confirmed.pop("reset@example.com")).startswith("2024-02-01 00:10:00")
    assert confirmed == {"registered@example.com": None, "unused@example.com": None, "walkin@example.com": None}
    assert set(generations) == {0} and [bool(value) for value in succeeded] == [False]
