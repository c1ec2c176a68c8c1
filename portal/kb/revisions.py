"""A page's publication (draft or published; public, private or link-only with a share token) and its
revisions: every save keeps who, when, what changed and the text as saved, so staff can compare two
revisions and restore one. Needs the ``kb`` right (raises Forbidden); functions flush, never commit."""
import difflib
import secrets

from flask_babel import gettext

from ..dates import utcnow
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from . import languages
from .models import Page, PageRevision

STATUSES = ("draft", "published")
VISIBILITIES = ("public", "private", "link_only")


def set_publication(page: Page, *, status: str | None = None, visibility: str | None = None) -> list[str]:
    """Change the page's status and visibility (None keeps it). A link-only page gets a share token (kept
    when it already has one, so links already sent keep working). Returns what changed.
    Raises ValidationFailed naming the bad field."""
    problems = []
    if status is not None and status not in STATUSES:
        problems.append(("status", gettext("Use draft or published.")))
    if visibility is not None and visibility not in VISIBILITIES:
        problems.append(("visibility", gettext("Use public, private or link_only.")))
    if problems:
        raise ValidationFailed(problems)
    changed = []
    if status is not None and status != page.status:
        page.status = status
        changed.append(status)
    if visibility is not None and visibility != page.visibility:
        page.visibility = visibility
        changed.append(visibility.replace("_", "-"))
    if page.visibility == "link_only" and not page.share_token:
        page.share_token = secrets.token_urlsafe(24)
    return changed


def new_share_token(page: Page) -> str:
    """Replace a link-only page's token: links sent before stop working."""
    page.share_token = secrets.token_urlsafe(24)
    db.session.flush()
    return page.share_token


def record(page: Page, staff, language: str, change: str, *, title: str, body: str) -> PageRevision:
    """Keep one revision of ``page`` in ``language`` as it is now."""
    revision = PageRevision(page_id=page.id, language=language, staff_id=getattr(staff, "id", None),
                            created_at=utcnow(), change=change[:255], title=title, body=body,
                            status=page.status, visibility=page.visibility)
    db.session.add(revision)
    db.session.flush()
    return revision


def history(page: Page, *, language: str | None = None, limit: int = 50, offset: int = 0) -> list[PageRevision]:
    """The page's revisions, newest first (a page of them)."""
    query = db.select(PageRevision).where(PageRevision.page_id == page.id)
    if language:
        query = query.where(PageRevision.language == language)
    query = query.order_by(PageRevision.created_at.desc(), PageRevision.id.desc()).limit(limit).offset(offset)
    return list(db.session.execute(query).scalars())


def get_revision(page: Page, revision_id: int) -> PageRevision:
    """Raises NotFound when the revision is not one of the page's."""
    revision = db.session.get(PageRevision, revision_id)
    if revision is None or revision.page_id != page.id:
        raise NotFound(gettext("No such revision."))
    return revision


def compare(old: PageRevision, new: PageRevision) -> list[str]:
    """A unified diff (lines) of two revisions' titles and bodies, HTML as stored, one tag per line."""
    def lines(revision: PageRevision) -> list[str]:
        text = revision.body.replace("><", ">\n<")
        return [f"# {revision.title}", *text.splitlines()]
    return list(difflib.unified_diff(lines(old), lines(new), f"revision {old.id}", f"revision {new.id}",
                                     lineterm="", n=2))


def restore(staff, page: Page, revision: PageRevision) -> PageRevision:
    """Put a revision's title and body back as the page's text in that language (itself a new revision).
    Raises Forbidden, NotFound, ValidationFailed (the language is no longer enabled)."""
    from .editing import require
    from .translations import set_translation

    require(staff)
    if revision.page_id != page.id:
        raise NotFound(gettext("No such revision."))
    if not languages.is_enabled(revision.language):
        raise ValidationFailed(("language", f"{revision.language} is no longer enabled on this site."))
    set_translation(page, revision.language, title=revision.title, body=revision.body)
    page.updated_by_id, page.updated_at = staff.id, utcnow()
    return record(page, staff, revision.language, f"restored revision {revision.id}", title=revision.title,
                  body=revision.body)
