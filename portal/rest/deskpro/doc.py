"""``/doc/openapi.json`` and ``/doc``: the REST dialects' OpenAPI document (``portal.rest.openapi``) and a
readable page of it. Public, like discover."""
from flask import jsonify, render_template

from .. import openapi
from ..happyfox.dialect import dialect as happyfox
from .dialect import base_url, dialect, route

JSON_DOC = {"responses": {"200": {"type": "object", "required": ["openapi", "paths"]}}}
HTML_DOC = {"responses": {"200": {"type": "string", "x-media-type": "text/html"}}}


def current() -> dict:
    return openapi.document([dialect, happyfox], base_url() + "/")


@route("/doc/openapi.json", "GET", "doc.openapi", public=True, doc=JSON_DOC)
def openapi_json(caller):
    """The OpenAPI 3.1 document of the REST API."""
    return jsonify(current())


@route("/doc", "GET", "doc.page", public=True, doc=HTML_DOC)
def openapi_page(caller):
    """The REST API's reference, readable."""
    doc = current()
    return render_template("rest/doc.html", doc=doc)
