"""Full-text search over the knowledge base, forums and (for staff) requests."""


def init_app(app) -> None:
    from .views import bp

    app.register_blueprint(bp)
