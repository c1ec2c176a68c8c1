"""Knowledge-book methods: kb.list, kb.get, kb.getBookTOC, kb.getPage, kb.search, kb.voteHelpful/NotHelpful.

Not found or private answer HTTP 200 with an empty root, as HelpSpot (clients rely on it): a private
object gives ``[]`` in JSON, a missing one ``false``.
"""
from ... import settings
from ...errors import Forbidden, NotFound
from ...kb import services
from ...search.query import search_kb
from ...urls import external_url
from .. import shapes
from ..output import NOT_FOUND, KeyedList
from ..registry import Params, api_method, kept, searched


def book_row(book) -> dict:
    return shapes.row({"xBook": book.id, "sBookName": book.name, "iOrder": book.position,
                       "tDescription": book.description})


@api_method("kb.list", "books", cache=kept("kb"))
def kb_list(p: Params):
    return {"book": [book_row(book) for book in services.public_books()]}


@api_method("kb.get", "book", required=("xBook",), cache=kept("kb"))
def kb_get(p: Params):
    try:
        return book_row(services.get_book(p.id("xBook")))
    except Forbidden:
        return {}
    except NotFound:
        return NOT_FOUND


def loaded_links(page) -> services.PageLinks:
    """The links of a page whose tags and related pages are loaded already (the table of contents loads
    them for every page), in ``services.page_links``'s shape; no files (the TOC does not show them)."""
    return services.PageLinks(
        tags=[services.TagLink(tag.id, tag.name) for tag in page.tags], downloads=[],
        related=[services.RelatedLink(other.id, other.name, other.chapter.name, other.chapter.book.name,
                                      other.chapter.book_id) for other in services.visible_related(page)])


def page_row(page, number: str, links: services.PageLinks, *, with_html: bool) -> dict:
    """A page as the TOC and kb.getPage show it; ``tags``/``relatedpages``/``files`` only when present."""
    pairs = {"name": f"{number}. {page.name}", "xPage": page.id, "xChapter": page.chapter_id,
             "sPageName": page.name}
    if with_html:
        pairs["tPage"] = page.body
    pairs.update({"iOrder": page.position, "fHighlight": page.highlight})
    if links.tags:
        pairs["tags"] = {"tag": [tag.name for tag in links.tags]}
    if links.related:
        pairs["relatedpages"] = {"relatedpage": [
            shapes.row({"xRelatedPage": other.id, "sPageName": other.name, "sChapterName": other.chapter_name,
                        "sBookName": other.book_name, "xBook": other.book_id}) for other in links.related]}
    if links.downloads:
        pairs["files"] = {"file": [external_url("kb.attachment", attachment_id=a.id) for a in links.downloads]}
    return shapes.row(pairs)


@api_method("kb.getBookTOC", "toc", required=("xBook",), optional=("fWithPageHTML",), cache=kept("kb"))
def kb_get_book_toc(p: Params):
    try:
        book = services.get_book(p.id("xBook"))
    except (Forbidden, NotFound):
        return {}
    with_html = p.flag("fWithPageHTML")  # includes tPage on every page (a deliberate difference from HelpSpot)
    chapters = []
    for entry in services.table_of_contents(book):
        pairs = {"name": entry.label, "xChapter": entry.chapter.id, "sChapterName": entry.chapter.name,
                 "iOrder": entry.chapter.position, "fAppendix": entry.chapter.appendix}
        if entry.pages:
            pages = KeyedList()
            for toc_page in entry.pages:
                pages.add(toc_page.page.id, page_row(toc_page.page, toc_page.number, loaded_links(toc_page.page),
                                                     with_html=with_html))
            pairs["pages"] = {"page": pages}
        chapters.append(shapes.row(pairs))
    return {"chapter": chapters}


@api_method("kb.getPage", "page", required=("xPage",), cache=kept("kb"))
def kb_get_page(p: Params):
    try:
        page = services.read_page(p.id("xPage"))
    except Forbidden:
        return {}
    except NotFound:
        return NOT_FOUND
    links = services.page_links(page, neighbours=True)  # (the chapter's pages number it)
    return page_row(page, services.page_number(page, links), links, with_html=True)


@api_method("kb.search", "pages", required=("q",), cache=searched("kb"))
def kb_search(p: Params):
    results = search_kb(p.get("q"), per_page=settings.get("max_search_results"), forgive=1)  # only when nothing matched
    return {"page": [shapes.row({"link": f"?pg=kb.page&id={hit.id}", "desc": hit.desc, "sBookName": hit.book_name,
                                 "sPageName": hit.title, "xPage": hit.id}) for hit in results.hits]}


def vote(p: Params, helpful: bool, key: str):
    """No duplicate check in the API, as HelpSpot; a missing page answers an empty count."""
    return {key: shapes.scalar(services.count_vote(p.id("xPage"), helpful))}


@api_method("kb.voteHelpful", "page", required=("xPage",))
def kb_vote_helpful(p: Params):
    return vote(p, True, "iHelpful")


@api_method("kb.voteNotHelpful", "page", required=("xPage",))
def kb_vote_not_helpful(p: Params):
    return vote(p, False, "iNotHelpful")
