"""Webhooks: administrators register endpoints for events; each event a service emits becomes one outbox job
of kind ``webhook`` per subscribed endpoint, written in the change's transaction and delivered by the
workers, signed as the Standard Webhooks specification says (``webhook-id``, ``webhook-timestamp``,
``webhook-signature``). See :mod:`portal.webhooks.services`. REST hook subscriptions (Zapier's, made
through an API key) are stored by :mod:`portal.webhooks.hooks` and delivered the same way.
"""
from .services import EVENTS, emit  # noqa: F401


def init_app(app) -> None:
    from .. import outbox
    from .services import JOB_KIND, deliver

    outbox.register(JOB_KIND, deliver, max_attempts=app.config.get("WEBHOOK_ATTEMPTS", 8))
