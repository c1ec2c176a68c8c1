"""Portico: a self-hosted customer help portal with a HelpSpot-compatible API."""
import logging
import os
from pathlib import Path

from flask import Flask

from . import config as config_module
from .unit_of_work import Portico

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Portico(__name__, instance_relative_config=True, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"))
    instance = os.environ.get("INSTANCE_PATH")
    if instance:
        app.instance_path = instance
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.DEFAULTS)
    app.config.from_mapping(config_module.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    if app.config["TRUSTED_PROXIES"]:
        # Behind a reverse proxy: take the client address and scheme from its X-Forwarded-* headers,
        # so rate limits key on the real client and HSTS/secure cookies see HTTPS.
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,  # type: ignore[method-assign]
                                x_host=hops)  # (Flask's documented way to wrap the WSGI app)

    _init_extensions(app)
    _register_blueprints(app)

    from . import errors
    errors.init_app(app)

    from . import challenge, cli, i18n, templating
    cli.init_app(app)
    templating.init_app(app)
    i18n.init_app(app)  # after templating: the date filters follow the interface's locale
    challenge.init_app(app)

    from . import forms, httpcache
    forms.init_app(app)  # after Flask-WTF's: shared pages leave the form tokens to a script
    httpcache.init_app(app)

    from . import deflection, search
    search.init_app(app)
    deflection.init_app(app)

    from . import inbound, mail, outbox, webhooks
    outbox.init_app(app)
    mail.init_app(app)
    webhooks.init_app(app)
    inbound.init_app(app)

    from . import security
    security.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from . import cache, changes, database, models  # noqa: F401  (models: the whole schema for Alembic)
    from .extensions import csrf, db, limiter, login_manager, migrate
    from .security import storage_uri

    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    db.init_app(app)
    database.init_app(app)
    changes.init_app(app)  # the change feed, then its subscribers: the caches here, search in search.init_app
    cache.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"

    from . import auth
    auth.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts
    from .api.dispatch import bp as api
    from .forums.views import bp as forums
    from .kb.views import bp as kb
    from .requests.views import bp as requests
    from .staff.views import bp as staff
    from .urls import DatabaseId
    from .views import bp as site

    app.url_map.converters["int"] = DatabaseId  # before any rule is added: rules bind converters then
    for blueprint in (site, accounts, requests, kb, forums, staff, api):
        app.register_blueprint(blueprint)

    from . import rest
    rest.init_app(app)  # the REST dialects (/api/v2/ ...), each a blueprint of its own
