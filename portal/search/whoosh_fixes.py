"""Two targeted fixes to Whoosh (whoosh-reloaded 2.7.x).

1. While writing postings, Whoosh looks up each posting's field length; for a field that keeps no
   lengths (numbers, booleans, spelling copies) it asks the file system whether the length column
   exists, once per posting: a stat call per posting, a third of a full reindex. A written segment's
   files never change, so the answer can be remembered, including "no such column".
2. Whoosh names new segments (and its temporary files) with the ``random`` module. Anything that seeds
   it (Hypothesis does before every example) makes the next segment take the name of one already in the
   index, and the new files overwrite a live segment's (tests/api/test_fuzz.py failed now and then with
   "Unknown file header"). Names come from the operating system's randomness instead.
"""
import random

from whoosh import util, writing
from whoosh.codec import base, whoosh3
from whoosh.filedb import compound, filestore

_MISSING = object()
_SYSTEM = random.SystemRandom()


def _cached_reader(self, fieldname, column):
    reader = self._readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
    return reader


def _random_name(size=28):
    return "".join(_SYSTEM.choice(util.IDCHARS) for _ in range(size))


def apply() -> None:
    if whoosh3.W3PerDocReader._cached_reader is not _cached_reader:
        whoosh3.W3PerDocReader._cached_reader = _cached_reader
    for module in (util, base, writing, compound, filestore):  # each imported the name itself
        module.random_name = _random_name
