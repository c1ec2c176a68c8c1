"""HappyFox API 1.1 at /api/1.1/json/, on the REST core: ``dialect`` (Basic auth, bodies, errors, read and
write limits), ``lookups`` (the bare reference lists) and ``tickets`` (listing, one ticket with its updates,
and the writes that answer the whole ticket). Importing this package registers every route."""
from . import contacts, dialect, kb, lookups, ticket_edits, tickets  # noqa: F401
