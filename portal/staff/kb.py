from .views import bp
@bp.get("/kb")
def kb_books():
    return ""
