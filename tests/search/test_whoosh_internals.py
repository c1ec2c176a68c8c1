"""What portal/search/whoosh_internals.py assumes about whoosh-reloaded, checked one assumption at a time.

An upgrade that renames or reshapes any of these fails here with the name of what changed, rather than
as a wrong score or a 503 somewhere else. The last tests check that the bugs behind the start-up
patches are still in the installed version: when one fails, upstream fixed it and the patch can go.
"""
import ast
import inspect
import random
import textwrap

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import util
from whoosh.codec import whoosh3
from whoosh.query import And, Or, Phrase, Prefix, Term
from whoosh.scoring import BM25FScorer

from portal.search import whoosh_internals as internals
from portal.search.schema import kb_schema


def _requires(owner, name: str, what: str) -> None:
    assert hasattr(owner, name), (f"whoosh-reloaded changed: {getattr(owner, '__name__', owner)!s}.{name} is gone "
                                  f"({what}); update portal/search/whoosh_internals.py")


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """Two segments, one with a deletion; a word in one document and a word in all 300 of each segment
    (several posting blocks of 128)."""
    ix = whoosh_index.create_in(str(tmp_path_factory.mktemp("internals")), kb_schema())
    for first in (0, 300):
        writer = ix.writer()
        for number in range(first, first + 300):
            body = "printer " * (1 + number % 3) + ("kalu" if number == 7 else "")
            writer.add_document(id=number, title="Page", body=body, book="b", chapter="c", public=True,
                                book_id=1, chapter_id=1)
        if first:
            writer.delete_by_term("id", 3)
        writer.commit(merge=False)
    return ix


def test_the_private_names_it_reads_are_still_there(index):
    with index.searcher() as searcher:
        reader = searcher.leaf_searchers()[0][0].reader()
        for name, what in (("_segment", "the segment a reader reads"), ("_storage", "its folder"),
                           ("_perdoc", "the per-document reader (length columns)"),
                           ("_terms", "the term reader that builds posting matchers"),
                           ("deleted_docs_set", "deleted documents")):
            _requires(reader, name, what)
        _requires(reader._perdoc, "_cached_reader", "length column readers")
        _requires(reader._terms, "matcher", "a posting matcher for raw term bytes")
        _requires(reader._segment, "segment_id", "a segment's random id")
    _requires(whoosh3, "_lenfield", "the name of a field's length column")
    _requires(whoosh3, "LENGTHS_COLUMN", "the length column type")
    for name, what in (("_read_data", "decoding a block"), ("_next_block", "moving to the next block")):
        _requires(whoosh3.W3LeafMatcher, name, what)
    # _atend and _data are set on each matcher: test_posting_blocks_give_every_posting_of_a_term reads them.
    for name in ("matcher_type", "AUTO_MATCHER", "TOO_MANY_CLAUSES", "_matcher"):
        _requires(Or, name, "Or's choice between an array union and a tree of unions")
    _requires(Phrase, "_and_query", "a phrase's words ANDed")
    _requires(Prefix, "_btexts", "the words a prefix expands to")
    _requires(util, "make_weighted_tree", "the shape of And/Or matcher trees")
    _requires(util, "IDCHARS", "the characters of segment names")


def test_or_still_chooses_its_matcher_as_ranking_reproduces_it():
    source = " ".join(inspect.getsource(Or._matcher).split())
    for rule in ("dc = searcher.doc_count_all()", "len(subs) < self.TOO_MANY_CLAUSES and (",
                 "needs_current or self.scale or len(subs) == 2 or dc > 5000"):
        assert rule in source, f"whoosh-reloaded changed Or._matcher's automatic choice (no {rule!r}): " \
                               "update whoosh_internals.or_uses_array_union"
    assert internals.or_uses_array_union(Or([Term("body", "a"), Term("body", "b"), Term("body", "c")]), 100)
    assert not internals.or_uses_array_union(Or([Term("body", "a"), Term("body", "b")]), 100)
    assert not internals.or_uses_array_union(Or([Term("body", "a"), Term("body", "b"), Term("body", "c")]), 5001)


def test_posting_blocks_give_every_posting_of_a_term(index):
    with index.searcher() as searcher:
        for sub, _offset in searcher.leaf_searchers():
            reader = sub.reader()
            for word in (b"printer", b"kalu"):
                if (("body", word)) not in reader:
                    continue
                blocks = internals.posting_blocks(reader, "body", word, sub.schema["body"].format)
                ids = np.concatenate([block[0] for block in blocks]).tolist()  # deleted documents too
                deleted = set(internals.deleted_documents(reader))
                assert [i for i in ids if i not in deleted] == list(reader.postings("body", word).all_ids()), (
                    f"whoosh-reloaded changed the W3 posting blocks: {word!r} decodes differently")
                values = [value for block in blocks for value in block[2]]
                assert len(values) == len(ids), "a block's values no longer hold one entry per posting"


def test_field_lengths_read_in_one_slice_are_whooshs(index):
    with index.searcher() as searcher:
        for sub, _offset in searcher.leaf_searchers():
            reader = sub.reader()
            count = sub.doc_count_all()
            lengths = internals.LENGTHS[internals.length_codes(reader, "body", count)]
            expected = [reader.doc_field_length(doc, "body", 0) for doc in range(count)]
            assert lengths.tolist() == expected, "whoosh-reloaded changed how field lengths are stored"


def test_segments_deletions_and_scorer_parameters(index):
    with index.searcher() as searcher:
        keys, deleted = set(), []
        for sub, _offset in searcher.leaf_searchers():
            reader = sub.reader()
            keys.add(internals.segment_key(reader))
            deleted += internals.deleted_documents(reader)
            scorer = searcher.weighting.scorer(sub, "body", b"printer")
            assert type(scorer) is BM25FScorer
            idf, avgfl, B, K1 = internals.bm25f_parameters(scorer)
            assert idf > 0 and avgfl > 0 and (B, K1) == (0.75, 1.2), "BM25FScorer's parameters moved"
        assert len(keys) == 2 and None not in keys, "segments are no longer told apart by folder and id"
        assert len(deleted) == 1


def test_query_helpers():
    assert internals.phrase_words(Phrase("body", ["printer", "ink"])) == And([Term("body", "printer"),
                                                                             Term("body", "ink")])


def test_prefix_words(index):
    with index.searcher() as searcher:
        reader = searcher.leaf_searchers()[0][0].reader()
        assert internals.prefix_words(Prefix("body", "pri"), reader) == [b"printer"]


def test_remembered_keeps_one_value_per_searcher(index):
    made = []
    with index.searcher() as searcher:
        first = internals.remembered(searcher, "probe", lambda s: made.append(s) or object())
        assert internals.remembered(searcher, "probe", lambda s: made.append(s) or object()) is first
    assert len(made) == 1


# The bugs behind the start-up patches --------------------------------------------------------------

def test_upstream_random_name_still_follows_a_seeded_random_module():
    """Remove the random_name patch when this fails: upstream then names segments safely itself."""
    random_name = _upstream(util, "random_name")
    names = set()
    for _ in range(3):
        random.seed(6)
        names.add(random_name())
    assert len(names) == 1, "whoosh-reloaded's random_name no longer follows a seeded random module"


def test_upstream_cached_reader_still_forgets_missing_columns(index):
    """Remove the _cached_reader patch when this fails: upstream then remembers "no such column"."""
    cached_reader = _upstream(whoosh3, "_cached_reader", within="W3PerDocReader")
    with index.searcher() as searcher:
        perdoc = searcher.leaf_searchers()[0][0].reader()._perdoc
        asked = []
        has_column = perdoc.has_column
        perdoc.has_column = lambda fieldname: asked.append(fieldname) or has_column(fieldname)
        try:
            for _ in range(3):
                assert cached_reader(perdoc, whoosh3._lenfield("public"), whoosh3.LENGTHS_COLUMN) is None
        finally:
            del perdoc.has_column
    assert len(asked) == 3, "whoosh-reloaded's _cached_reader now remembers a missing column"


def test_the_patches_are_installed_and_give_unseeded_names(app):
    assert whoosh3.W3PerDocReader._cached_reader is internals._cached_reader
    for module in internals._NAMERS:
        assert module.random_name is internals._random_name, module.__name__
    names = set()
    for _ in range(3):
        random.seed(6)
        names.add(util.random_name())
    assert len(names) == 3


def _upstream(module, name: str, *, within: str | None = None):
    """The function as whoosh-reloaded ships it, compiled from its source file in its module's namespace
    (the live attribute is patched at start-up)."""
    source = inspect.getsource(module)
    for node in ast.walk(ast.parse(source)):
        if within is not None and isinstance(node, ast.ClassDef) and node.name == within:
            found = [item for item in node.body if isinstance(item, ast.FunctionDef) and item.name == name]
        elif within is None and isinstance(node, ast.Module):
            found = [item for item in node.body if isinstance(item, ast.FunctionDef) and item.name == name]
        else:
            continue
        if found:
            namespace = dict(vars(module))
            exec(compile(textwrap.dedent(ast.get_source_segment(source, found[0])), module.__file__, "exec"),
                 namespace)
            return namespace[name]
    raise AssertionError(f"whoosh-reloaded no longer defines {within + '.' if within else ''}{name} in "
                         f"{module.__name__}: check whether the patch in whoosh_internals.py is still needed")
