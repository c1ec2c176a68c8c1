"""Mail in: IMAP mailboxes the worker polls; an answer to a request becomes a note on it, a new mail a new
request (through the same service as the portal form), with loop protection."""


def init_app(app) -> None:
    from .cli import inbound_group

    app.cli.add_command(inbound_group)
