"""``url_for`` remembers the paths it built in a request (portal.unit_of_work.Portico.url_for): a remembered
path must be the one Flask would build for this request, whatever the endpoint, values and mount point."""
from flask import Flask, url_for


def built_by_flask(app, endpoint, **values) -> str:
    return Flask.url_for(app, endpoint, **values)


def test_the_remembered_path_is_flasks(app):
    cases = [("kb.tag", {"tag_id": 5, "slug": "printer"}), ("kb.tag", {"tag_id": 6, "slug": "printer"}),
             ("kb.books", {}), ("kb.books", {"page": 2}), ("kb.books", {"page": "2"}), ("kb.books", {"page": True}),
             ("static", {"filename": "css/portal.css"}), ("forums.index", {"_anchor": "top"}),
             ("search.search", {"q": "a b&c", "area": "kb"}), ("search.search", {"q": ["x", "y"]})]
    for script_root in ("", "/help"):
        with app.test_request_context("/kb", base_url=f"http://localhost{script_root}/"):
            for _ in range(2):  # built, then remembered
                for endpoint, values in cases:
                    assert url_for(endpoint, **values) == built_by_flask(app, endpoint, **values), (endpoint, values)
                    assert url_for(endpoint, **values).startswith(script_root + "/")
            assert url_for("kb.books", _external=True).startswith("http://")


def test_a_relative_endpoint_follows_the_blueprint(app):
    with app.test_request_context("/kb"):
        app.preprocess_request()
        in_kb = url_for(".books")
    with app.test_request_context("/forums"):
        app.preprocess_request()
        assert url_for(".index") == built_by_flask(app, "forums.index") != in_kb
