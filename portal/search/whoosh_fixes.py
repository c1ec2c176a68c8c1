"""One targeted fix to Whoosh's segment writer (whoosh-reloaded 2.7.x).

While writing postings, Whoosh looks up each posting's field length; for a field that keeps no
lengths (numbers, booleans, spelling copies) it asks the file system whether the length column
exists, once per posting: a stat call per posting, a third of a full reindex. A written segment's
files never change, so the answer can be remembered, including "no such column".
"""
from whoosh.codec import whoosh3

_MISSING = object()


def _cached_reader(self, fieldname, column):
    reader = self._readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
    return reader


def apply() -> None:
    if whoosh3.W3PerDocReader._cached_reader is not _cached_reader:
        whoosh3.W3PerDocReader._cached_reader = _cached_reader
