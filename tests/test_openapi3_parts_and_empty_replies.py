"""A pymacaron service (pymacaron's API, crash handler and Error JSON over pymacaron-core's routes) on an
OpenAPI 3.1 spec: a multipart part of a type its encoding refuses and a part that is not JSON are
pymacaron Error JSON (415 / 400); a handler's None is an empty 204 where no content is declared and a
BAD_RESPONSE Error JSON where content is."""

import io
import os

import pytest
from flask import Flask

SPEC = """\
openapi: 3.1.0
info: {title: albums, version: '1'}
servers: [{url: 'http://localhost/v1'}]
paths:
  /albums:
    post:
      operationId: HANDLERS.add_album
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [meta]
              properties:
                meta: {type: object, required: [title], properties: {title: {type: string}}}
                cover: {type: string, format: binary}
            encoding:
              meta: {contentType: application/json}
              cover: {contentType: 'image/png, image/jpeg'}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
  /albums/{album_id}:
    parameters:
    - {name: album_id, in: path, required: true, schema: {type: integer}}
    delete:
      operationId: HANDLERS.delete_album
      responses:
        '204': {description: deleted}
    get:
      operationId: HANDLERS.get_album
      responses:
        '200': {description: the album, content: {application/json: {schema: {type: object}}}}
"""

HANDLERS = """\
def add_album(meta, cover=None):
    return {"title": meta["title"], "cover": cover and cover.content_type}


def delete_album(album_id):
    return None


def get_album(album_id):
    return None
"""

CONFIG = """\
name: albums
live_host: albums.example.com
jwt_secret: PYM_TEST_JWT_SECRET
jwt_issuer: test.pymacaron.com
jwt_audience: testaudience
env_secrets: [PYM_TEST_JWT_SECRET]
"""


@pytest.fixture
def albums(tmp_path, monkeypatch):
    module = f"album_handlers_{os.getpid()}"
    (tmp_path / "apis").mkdir()
    (tmp_path / "apis" / "albums.yaml").write_text(SPEC.replace("HANDLERS", module))
    (tmp_path / f"{module}.py").write_text(HANDLERS)
    (tmp_path / "pym-config.yaml").write_text(CONFIG)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYM_TEST_JWT_SECRET", "a-test-secret-that-is-long-enough-for-hs256!")
    monkeypatch.setenv("PYM_CONFIG", str(tmp_path))
    from pymacaron import API

    app = Flask("albums")
    api = API(app)
    api.load_apis(str(tmp_path / "apis"))
    api.start(serve=["albums"])
    return app.test_client()


def test_parts_are_checked_and_answered_with_pymacaron_error_json(albums):
    ok = {"meta": '{"title": "blue"}', "cover": (io.BytesIO(b"\x89PNG"), "c.png", "image/png")}
    r = albums.post("/v1/albums", data=ok, content_type="multipart/form-data")
    assert r.status_code == 200 and r.json == {"title": "blue", "cover": "image/png"}
    bad = {"meta": '{"title": "blue"}', "cover": (io.BytesIO(b"GIF8"), "c.gif", "image/gif")}
    r = albums.post("/v1/albums", data=bad, content_type="multipart/form-data")
    assert r.status_code == 415 and r.json["error"] == "UNSUPPORTED_MEDIA_TYPE" and "error_id" in r.json
    assert "the part 'cover' is of type 'image/gif': send one of image/png, image/jpeg" in r.json["error_description"]
    r = albums.post("/v1/albums", data={"meta": "title=blue"}, content_type="multipart/form-data")
    assert r.status_code == 400 and r.json["error"] == "INVALID_PARAMETER" and "error_id" in r.json
    assert "the part 'meta' is not JSON" in r.json["error_description"]


def test_none_is_an_empty_204_or_a_bad_response(albums):
    r = albums.delete("/v1/albums/3")
    assert (r.status_code, r.data) == (204, b"")
    r = albums.get("/v1/albums/3")
    assert r.status_code == 500 and r.json["error"] == "BAD_RESPONSE" and "error_id" in r.json  # details: crash report
