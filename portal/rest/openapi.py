"""The OpenAPI 3.1 document of every REST dialect, generated from the dialects' route registries
(``core.Dialect.routes``): the same entries the view dispatches on, so a route added with ``@route`` is
described the moment it exists. A dialect says how its keys, errors and replies look (``doc_security``,
``doc_error``, ``doc_responses``); a route adds its resource's schema with ``doc=``.

Served at ``/api/v2/doc/openapi.json``, with a readable page at ``/api/v2/doc``.
"""
import re

from .core import Dialect, Route

VERSION = "1.0"
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
ERROR_STATUSES = {"400": "Bad input (the fields named)", "401": "No key, or a wrong one",
                  "403": "The key may not do this", "404": "No such thing", "405": "Not allowed on this path",
                  "423": "Offline for maintenance", "429": "The key's limits are spent"}


def openapi_path(dialect: Dialect, path: str) -> str:
    return dialect.prefix + _PARAM.sub(lambda m: "{" + m.group(2) + "}", path)


def _parameters(path: str) -> list[dict]:
    return [{"name": name, "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 0} if kind == "int" else {"type": "string"}}
            for kind, name in _PARAM.findall(path)]


def _summary(route: Route) -> str:
    text = (route.handler.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(text.split()) or route.handler.__name__.replace("_", " ").capitalize()


def _operation(dialect: Dialect, route: Route) -> dict:
    responses: dict = {}
    for status, schema in dialect.doc_responses(route).items():
        reply: dict = {"description": "Success"}
        if schema is not None:
            media = schema.get("x-media-type", "application/json")
            reply["content"] = {media: {"schema": {k: v for k, v in schema.items() if k != "x-media-type"}}}
        responses[status] = reply
    error = {"$ref": f"#/components/schemas/{dialect.name}_error"}
    for status, text in ERROR_STATUSES.items():
        if status == "401" and route.public:
            continue
        responses[status] = {"description": text, "content": {"application/json": {"schema": error}}}
    operation = {
        "operationId": f"{dialect.name}_{route.verb.lower()}_" + re.sub(r"\W+", "_", route.path).strip("_"),
        "summary": _summary(route), "tags": [f"{dialect.name}: {route.tag.split('.')[0]}"],
        "x-endpoint-tag": route.tag, "parameters": _parameters(route.path), "responses": responses,
        "security": [] if route.public else [{dialect.name: []}],
    }
    if "body" in route.doc:
        operation["requestBody"] = {"content": {"application/json": {"schema": route.doc["body"]}}}
    return operation


def document(dialects: list[Dialect], server_url: str = "/") -> dict:
    """The OpenAPI 3.1 document of ``dialects`` (every route, every verb but HEAD)."""
    paths: dict[str, dict] = {}
    components: dict = {"securitySchemes": {}, "schemas": {}}
    for dialect in dialects:
        components["securitySchemes"][dialect.name] = dialect.doc_security()
        components["schemas"][f"{dialect.name}_error"] = dialect.doc_error()
        for path, verbs in dialect.routes.items():
            item = paths.setdefault(openapi_path(dialect, path), {})
            for verb, route in verbs.items():
                if verb != "HEAD":
                    item[verb.lower()] = _operation(dialect, route)
    return {"openapi": "3.1.0",
            "info": {"title": "Portico REST API (DeskPRO v2, HappyFox 1.1 dialects)", "version": VERSION,
                     "description": "Generated from the routes Portico serves; every success and error reply "
                                    "of the listed paths matches these schemas."},
            "servers": [{"url": server_url}], "paths": paths, "components": components}


def match(doc: dict, path: str) -> tuple[str, dict] | None:
    """(the document's path template, its path item) for a concrete path, or None."""
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(template)).rstrip("/") + "/?$"
        if re.match(pattern, path):
            return template, item
    return None
