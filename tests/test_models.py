"""Constraints the schema enforces, on SQLite and PostgreSQL alike."""
import pytest
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import Customer, Staff
from portal.extensions import db
from portal.kb.models import Book, Chapter, Page, PageVote
from portal.requests.models import CustomField, FieldValue, Note, Request


def _commit_fails():
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_emails_are_unique(ctx):
    db.session.add_all([Staff(email="a@example.com", password_hash="x"), Staff(email="a@example.com",
                                                                              password_hash="y")])
    _commit_fails()
    db.session.add_all([Customer(email="c@example.com"), Customer(email="c@example.com")])
    _commit_fails()


def test_custom_field_type_is_checked(ctx):
    db.session.add(CustomField(name="x", field_type="drilldown"))
    _commit_fails()


def test_one_value_per_field_per_request(ctx):
    field = CustomField(name="x")
    req = Request(password="abcdef", email="a@example.com")
    db.session.add_all([field, req])
    db.session.flush()
    db.session.add_all([FieldValue(request_id=req.id, field_id=field.id, value="1"),
                        FieldValue(request_id=req.id, field_id=field.id, value="2")])
    with pytest.raises(Exception):  # noqa: B017  the identity map refuses the duplicate key before the database does
        db.session.commit()
    db.session.rollback()


def test_foreign_keys_are_enforced(ctx):
    db.session.add(Note(request_id=424242, body="orphan"))
    _commit_fails()


def test_deleting_a_request_removes_its_history(ctx):
    req = Request(password="abcdef", email="a@example.com")
    req.notes.append(Note(body="hello"))
    db.session.add(req)
    db.session.commit()
    db.session.delete(req)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Note.id))) == 0


def test_a_browser_votes_once_per_page(ctx):
    page = Page(name="p", chapter=Chapter(name="c", book=Book(name="b")))
    db.session.add(page)
    db.session.flush()
    db.session.add_all([PageVote(page_id=page.id, voter="v", helpful=True),
                        PageVote(page_id=page.id, voter="v", helpful=False)])
    _commit_fails()


def test_lookup_columns_are_indexed(ctx):
    from sqlalchemy import inspect

    inspector = inspect(db.engine)

    def indexed(table, column):
        names = [ix["column_names"][0] for ix in inspector.get_indexes(table)]
        uniques = [uq["column_names"][0] for uq in inspector.get_unique_constraints(table)]
        return column in names or column in uniques

    for table, column in [("request", "email"), ("request", "status_id"), ("request", "assigned_to_id"),
                          ("request", "category_id"), ("request", "trashed"), ("note", "request_id"),
                          ("attachment", "note_id"), ("page", "chapter_id"), ("page", "helpful"),
                          ("chapter", "book_id"), ("topic", "forum_id"), ("post", "topic_id"), ("post", "spam"),
                          ("api_key", "token_hash"), ("customer", "email"), ("staff", "email"),
                          ("known_user", "ip"), ("login_attempt", "account")]:
        assert indexed(table, column), f"{table}.{column} has no index"
