"""The docs page: each published API's spec, and a Swagger UI to read and try it.

``API.publish_apis(path="doc")`` calls :func:`publish_specs`, which adds to the app::

    GET /doc/                 the published APIs (HTML, or JSON for ``Accept: application/json``)
    GET /doc/<api>            Swagger UI for <api>; its JS and CSS come from /doc/_swagger-ui/
                              (the files bundled in flask-swagger-ui: no CDN, no internet needed)
    GET /doc/<api>.yaml       the spec file as written (text/plain)
    GET /doc/<api>.json       the spec as JSON, as the service loaded it: definitions referenced
                              from other files imported, the built-in Error/Ok added

For an API this service serves, the JSON spec has no ``host`` and no ``schemes`` (Swagger 2.0),
or one relative server, the path its operations are served under (OpenAPI 3.x: ``servers:
[{url: /api/v1}]`` for ``https://shop.example.com/api/v1``): Swagger UI then sends "Try it out"
requests to the server the page came from, whatever name, port or TLS proxy the browser used. The spec of a remote API, loaded as a
client only, keeps its host and schemes. Only the spec files are served, never the config.
An unknown API name gets the Error JSON 404.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flask import Blueprint, Response, request, send_from_directory
from markupsafe import escape

from pymacaron.config import ConfigError
from pymacaron.exceptions import NotFoundError

if TYPE_CHECKING:
    from flask import Flask

ASSETS = "_swagger-ui"
_SPEC_TYPES = {"yaml": "text/plain; charset=utf-8", "json": "application/json"}
_PATH_RE = re.compile(r"^[A-Za-z0-9._~\-]+(/[A-Za-z0-9._~\-]+)*$")


@dataclass
class PublishedSpec:
    """One API's spec, loaded once when published."""

    name: str
    yaml_path: str
    text: str  # the file as written
    data: dict[str, Any]  # the loaded document (external refs imported, Error/Ok added)
    local_json: str  # without host/schemes (3.x: a relative server): "Try it out" calls the server of the page
    remote_json: str  # as written: for APIs this service only calls

    @property
    def title(self) -> str:
        """The spec's ``info.title``, else the API's name."""
        return str((self.data.get("info") or {}).get("title") or self.name)

    @property
    def version(self) -> str:
        """The spec's ``info.version`` ('' without one)."""
        return str((self.data.get("info") or {}).get("version") or "")


def publish_specs(app: Flask, specs: dict[str, str], path: str = "doc") -> dict[str, PublishedSpec]:
    """Serve each ``{api_name: yaml_path}`` spec and its Swagger UI page under ``/<path>/``.

    Raises ConfigError (bad path, already published, unreadable file) or SpecError (with
    the file and line) at start-up, never on a request.
    """
    prefix = normalise_path(path)
    if not specs:
        raise ConfigError("publish_apis(): no API to publish (call load_apis first)")
    endpoint = "pym_docs_" + re.sub(r"[^A-Za-z0-9_]", "_", prefix.strip("/"))
    if endpoint in app.blueprints:
        raise ConfigError(f"publish_apis(path={path!r}): the docs are already published under {prefix}/ "
                          "in this app (call publish_apis once)")
    dist = swagger_ui_dist()
    published = {name: load_spec(name, yaml_path) for name, yaml_path in specs.items()}
    app.register_blueprint(_blueprint(endpoint, prefix, published, dist))
    return published


def normalise_path(path: str) -> str:
    """'doc', '/doc/' -> '/doc'; a path that cannot be a URL folder raises ConfigError."""
    if not isinstance(path, str) or not path.strip("/").strip():
        raise ConfigError(f"publish_apis(path={path!r}): give the URL folder of the docs, e.g. path='doc'")
    cleaned = path.strip().strip("/")
    if not _PATH_RE.match(cleaned) or any(part in (".", "..") for part in cleaned.split("/")):
        raise ConfigError(f"publish_apis(path={path!r}): use letters, digits, '-', '_', '.' and '/' only, "
                          "e.g. path='doc' or path='api/doc'")
    return "/" + cleaned


def swagger_ui_dist() -> str:
    """The folder of Swagger UI's JS/CSS files bundled in flask-swagger-ui."""
    try:
        dist = str(resources.files("flask_swagger_ui") / "dist")
    except ModuleNotFoundError:
        raise ConfigError("publish_apis() needs flask-swagger-ui (it ships Swagger UI's files): "
                          "pip install flask-swagger-ui") from None
    if not os.path.isfile(os.path.join(dist, "swagger-ui-bundle.js")):
        raise ConfigError(f"publish_apis(): Swagger UI's files are missing from {dist} "
                          "(reinstall flask-swagger-ui)")
    return dist


def swagger_ui_version(dist: str) -> str:
    """The version of the Swagger UI files in ``dist`` (its VERSION file, without 'v'), or '' when unknown."""
    try:
        with open(os.path.join(dist, "VERSION"), encoding="utf-8") as f:
            return f.read().strip().lstrip("v")
    except OSError:
        return ""


def load_spec(name: str, yaml_path: str | os.PathLike[str]) -> PublishedSpec:
    """Read and load one spec (as the service does) and prepare its two JSON forms."""
    from pymacaron_core.spec.document import load_document

    from pymacaron.bootstrap import builtin_definitions

    try:
        with open(yaml_path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"publish_apis(): cannot read the spec of {name!r} ({yaml_path}): {e}") from None
    doc = load_document(yaml_path=yaml_path, name=name, default_definitions=builtin_definitions())
    local = _local(doc.data, "")
    return PublishedSpec(name=name, yaml_path=str(yaml_path), text=text, data=doc.data,
                         local_json=_dumps(local), remote_json=_dumps(doc.data))


def _served_prefix(data):
    """The path an OpenAPI 3.x document's operations are served under (its first server's, as served)."""
    from pymacaron_core.spec.document import SpecDocument
    from pymacaron_core.spec.openapi3 import _servers
    from pymacaron_core.spec.yamlfile import Locations

    doc = SpecDocument(data, Locations(""), "")
    prefix, _host, _schemes = _servers(doc, data.get("servers"), ("servers",), [])
    return prefix


def _local(data, root):
    """The spec as this service serves it, mounted under ``root`` (a proxy's prefix, or "")."""
    if "openapi" in data:
        local = dict(data)
        local["servers"] = [{"url": (root + _served_prefix(data)) or "/"}]
        return local
    local = {k: v for k, v in data.items() if k not in ("host", "schemes")}
    if root:
        local["basePath"] = root + (data.get("basePath") or "")
    return local


def _dumps(data):
    return json.dumps(data, indent=2, ensure_ascii=False)


def _is_remote(name):
    """True for an API loaded as a client of another service (not served by this one)."""
    from pymacaron_core import ApiPool

    return ApiPool.has(name) and not ApiPool.get(name).is_server


def _spec_json(spec):
    if _is_remote(spec.name):
        return spec.remote_json
    root = request.script_root
    if not root:
        return spec.local_json
    # mounted under a prefix (e.g. by a proxy): the operations live under it too
    return _dumps(_local(spec.data, root))


def _not_found(prefix, name, published):
    known = ", ".join(sorted(published)) or "none"
    return NotFoundError(f"No API named {name!r} is published under {prefix}/ (published: {known})").http_reply()


def _blueprint(endpoint, prefix, published, dist):
    bp = Blueprint(endpoint, __name__, url_prefix=prefix)
    ui_version = swagger_ui_version(dist)

    @bp.get("/")
    def index():
        best = request.accept_mimetypes.best_match(["text/html", "application/json"])
        if best == "application/json":
            base = request.script_root + prefix
            return {"apis": [{"name": s.name, "title": s.title, "version": s.version,
                              "docs": f"{base}/{quote(s.name)}", "yaml": f"{base}/{quote(s.name)}.yaml",
                              "json": f"{base}/{quote(s.name)}.json"}
                             for s in published.values()]}
        return Response(_index_html(published), mimetype="text/html")

    @bp.get(f"/{ASSETS}/<path:filename>")
    def asset(filename):
        return send_from_directory(dist, filename, max_age=86400)

    @bp.get("/<string:filename>")
    def page_or_spec(filename):
        spec = published.get(filename)
        if spec is not None:
            return Response(_page_html(spec, published, ui_version), mimetype="text/html")
        name, _, ext = filename.rpartition(".")
        spec = published.get(name)
        if spec is None or ext not in _SPEC_TYPES:
            return _not_found(prefix, filename, published)
        body = spec.text if ext == "yaml" else _spec_json(spec)
        response = Response(body, content_type=_SPEC_TYPES[ext])
        # a spec is public: any Swagger UI or editor may load it (no credentials)
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return bp


def _script_json(value):
    """JSON that is safe inside a <script> element."""
    return (json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>$title</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="$assets/swagger-ui.css?v=$v">
  <link rel="icon" type="image/png" href="$assets/favicon-32x32.png" sizes="32x32">
  <style>body { margin: 0; }</style>
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="$assets/swagger-ui-bundle.js?v=$v"></script>
  <script src="$assets/swagger-ui-standalone-preset.js?v=$v"></script>
  <script id="pym-docs-config" type="application/json">$config</script>
  <script>
    window.addEventListener("load", function () {
      var config = JSON.parse(document.getElementById("pym-docs-config").textContent);
      config.dom_id = "#swagger-ui";
      config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset];
      config.plugins = [SwaggerUIBundle.plugins.DownloadUrl];
      config.layout = "StandaloneLayout";
      window.ui = SwaggerUIBundle(config);
    });
  </script>
</body>
</html>
""")


def _page_html(spec, published, ui_version):
    # relative URLs: right whatever prefix a proxy mounts the service under
    config = {
        "urls": [{"url": f"{quote(s.name)}.json", "name": s.name} for s in published.values()],
        "urls.primaryName": spec.name,
        "deepLinking": True,
        "displayRequestDuration": True,
        "validatorUrl": None,  # no call to the online validator
    }
    title = f"{spec.title} {spec.version}".strip()
    return _PAGE.substitute(title=escape(title), assets=ASSETS, v=quote(ui_version),
                            config=_script_json(config))


_INDEX = Template("""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>API documentation</title>
  <style>
    body { font-family: sans-serif; margin: 2em; }
    td, th { padding: .3em 1em; text-align: left; }
  </style>
</head>
<body>
  <h1>API documentation</h1>
  <table>
    <tr><th>API</th><th>Title</th><th>Version</th><th>Spec</th></tr>
$rows
  </table>
</body>
</html>
""")


def _index_html(published):
    rows = []
    for s in published.values():
        q = escape(quote(s.name))
        rows.append(f'    <tr><td><a href="{q}">{escape(s.name)}</a></td><td>{escape(s.title)}</td>'
                    f'<td>{escape(s.version)}</td><td><a href="{q}.yaml">yaml</a> '
                    f'<a href="{q}.json">json</a></td></tr>')
    return _INDEX.substitute(rows="\n".join(rows))


__all__ = ["ASSETS", "PublishedSpec", "load_spec", "normalise_path", "publish_specs", "swagger_ui_dist"]
