"""The REST core shared by every REST dialect (DeskPRO v2 now; HappyFox and HelpCenter.io on the same core).

- ``core``: a dialect's registry of routes (path, verb, endpoint tag), its one view per path that checks the
  verb (405), the key (401), the key's tags and read-only flag (403) and caps (429), then calls the handler;
  every failure goes through ``errors.describe`` into the dialect's own error envelope, never a page.
- ``body``: JSON bodies whatever the Content-Type, read field by field into clear 400s naming the field.
- ``paging``: page/count parameters and page links.

Handlers only parse, call Portico's services (the same as the pages and the HelpSpot API) and render.
"""


def init_app(app) -> None:
    from . import deskpro, happyfox, helpcenter  # importing a dialect's package registers its routes on it

    deskpro.dialect.dialect.register(app)
    happyfox.dialect.dialect.register(app)
    helpcenter.dialect.dialect.register(app)
