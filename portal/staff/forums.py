from .views import bp
@bp.get("/forums")
def forums():
    return ""
@bp.get("/forums/spam")
def spam_queue():
    return ""
@bp.get("/forums/newest")
def newest():
    return ""
@bp.get("/forums/known")
def known_users():
    return ""
