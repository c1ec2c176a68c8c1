from .views import bp
@bp.get("/admin")
def admin_home():
    return ""
