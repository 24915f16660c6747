"""``pymacaron convert``, run as the real console script: files written, never overwritten by surprise,
notes printed with file:line, bad input refused with a clear error and exit code."""

import os
import shutil
import stat

import yaml
from cli_testing import cli, cli_many, write

from pymacaron_core.spec.convert import convert
from pymacaron_core.spec.yamlfile import load_yaml

HELLOWORLD = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "helloworld", "apis",
                          "helloworld.yaml")

NOTES_SPEC = """\
swagger: '2.0'
info: {title: notes, version: '1'}
host: api.example.com
schemes: [https]
paths:
  /a:
    post:
      x-bind-server: notes.api.post_a
      consumes: [application/x-www-form-urlencoded]
      parameters:
        - {in: query, name: tabs, type: array, items: {type: string}, collectionFormat: tsv}
        - {in: formData, name: name, type: string, allowEmptyValue: true}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Error'}}
"""


def _apis(tmp_path):
    apis = tmp_path / "apis"
    apis.mkdir()
    shutil.copy(HELLOWORLD, apis / "helloworld.yaml")
    return apis


def test_writes_spec_new_next_to_the_spec_and_never_overwrites_it(tmp_path):
    apis = _apis(tmp_path)
    original = (apis / "helloworld.yaml").read_text()
    done = cli("pymacaron", "convert", "apis/helloworld.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("wrote apis/helloworld.yaml.new: OpenAPI 3.0.3 (1 note)\n"
                           "review it, then replace the Swagger 2.0 file: mv apis/helloworld.yaml.new "
                           "apis/helloworld.yaml\n")
    line = original.splitlines().index("  # The same Error as PyMacaron's built-in ping API: identical "
                                       "definitions share one model.") + 1
    assert done.stderr.startswith(f"apis/helloworld.yaml:{line}: YAML comments inside the spec are not carried "
                                  f"over (lines {line})\n")
    written = (apis / "helloworld.yaml.new").read_text()
    assert written.startswith("# The helloworld API: what this service serves")  # the opening comments stay
    expected, _ = convert(load_yaml(original, "x")[0])
    assert yaml.safe_load(written) == expected and (apis / "helloworld.yaml").read_text() == original

    # a second run refuses to overwrite it; --force does
    (apis / "helloworld.yaml.new").write_text("mine")
    done = cli("pymacaron", "convert", "apis/helloworld.yaml", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == ("ERROR: apis/helloworld.yaml.new already exists: pass --force to overwrite it, "
                           "or -o to write elsewhere\n")
    assert (apis / "helloworld.yaml.new").read_text() == "mine"
    done = cli("pymacaron", "convert", "apis/helloworld.yaml", "--force", cwd=tmp_path)
    assert done.returncode == 0 and (apis / "helloworld.yaml.new").read_text() == written


def test_the_new_file_is_not_served_next_to_the_spec(tmp_path):
    """apis/x.yaml.new is not a *.yaml file: load_apis() keeps serving apis/x.yaml alone."""
    from flask import Flask

    from pymacaron import API

    apis = _apis(tmp_path)
    (apis / "helloworld.yaml.new").write_text((apis / "helloworld.yaml").read_text())
    api = API(Flask("convert-test"), port=8080).load_apis(str(apis))
    assert set(api.apis) == {"helloworld", "ping"}


def test_in_place_to_3_1_keeps_the_file_mode(tmp_path):
    apis = _apis(tmp_path)
    os.chmod(apis / "helloworld.yaml", 0o640)
    done = cli("pymacaron", "convert", "apis/helloworld.yaml", "--in-place", "--to", "3.1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "wrote apis/helloworld.yaml: OpenAPI 3.1.0 (1 note)\n"
    data = yaml.safe_load((apis / "helloworld.yaml").read_text())
    assert data["openapi"] == "3.1.0" and "swagger" not in data
    assert data["paths"]["/hello/with/inheritance"]["post"]["requestBody"]["x-body-name"] == "question"
    assert stat.S_IMODE(os.stat(apis / "helloworld.yaml").st_mode) == 0o640
    assert sorted(os.listdir(apis)) == ["helloworld.yaml"]  # no temporary file left behind
    done = cli("pymacaron", "convert", "apis/helloworld.yaml", "--in-place", cwd=tmp_path)  # now 3.1
    assert done.returncode == 1
    assert done.stderr == "ERROR: apis/helloworld.yaml is already OpenAPI 3.1.0: there is nothing to convert\n"


def test_standard_output_and_located_notes(tmp_path):
    write(tmp_path, {"notes.yaml": NOTES_SPEC})
    done = cli("pymacaron", "convert", "notes.yaml", "-o", "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = yaml.safe_load(done.stdout)  # standard output is the spec alone
    assert data["openapi"] == "3.0.3" and data["servers"] == [{"url": "https://api.example.com"}]
    assert data["paths"]["/a"]["post"]["x-bind-server"] == "notes.api.post_a"
    lines = done.stderr.splitlines()
    assert lines[0].startswith("notes.yaml:7: paths./a.post: formData parameters ('name') became one requestBody")
    assert lines[2].startswith("notes.yaml:11: paths./a.post.parameters[0].collectionFormat: collectionFormat "
                               "'tsv' has no OpenAPI 3 style")
    assert lines[4] == ("notes.yaml:12: paths./a.post.parameters[1].allowEmptyValue: OpenAPI 3 has no "
                        "allowEmptyValue for a form field: dropped")
    assert lines[-1] == "converted notes.yaml to OpenAPI 3.0.3 (3 notes)"
    assert all(line.startswith(("notes.yaml:", "    fix: ", "converted ")) for line in lines)
    assert os.listdir(tmp_path) == ["notes.yaml"]  # Error is built in: no note, and nothing written


def test_bad_input_is_refused_with_a_clear_error(tmp_path):
    write(tmp_path, {
        "typo.yaml": NOTES_SPEC.replace("type: string, allowEmptyValue", "type: strin, allowEmptyValue"),
        "broken.yaml": "swagger: '2.0'\ninfo: {title: x\n",
        "list.yaml": "- a\n- b\n",
    })
    (tmp_path / "folder").mkdir()
    calls = {
        ("pymacaron", "convert", "missing.yaml"): (1, "ERROR: missing.yaml: no such file\n"),
        ("pymacaron", "convert", "folder"): (1, "ERROR: folder is a folder: name one spec file"),
        ("pymacaron", "convert", "typo.yaml"): (1, "ERROR: typo.yaml is not a valid Swagger 2.0 spec; fix it, then "
                                                   "convert it:\n  typo.yaml line 12, paths./a.post.parameters[1]"),
        ("pymacaron", "convert", "broken.yaml"): (1, "ERROR: cannot convert broken.yaml: broken.yaml line 3: YAML "
                                                     "syntax error"),
        ("pymacaron", "convert", "list.yaml"): (1, "ERROR: cannot convert list.yaml: list.yaml line 1: the spec is "
                                                   "not a YAML mapping"),
        ("pymacaron", "convert", "typo.yaml", "--to", "3.2"): (2, "usage: pymacaron convert"),
        ("pymacaron", "convert", "typo.yaml", "-o", "x.yaml", "--in-place"): (2, "usage: pymacaron convert"),
    }
    results = cli_many(list(calls), cwd=tmp_path)
    for call, (code, start) in calls.items():
        done = results[call]
        assert (done.returncode, done.stdout) == (code, ""), (call, done.stderr)
        assert done.stderr.startswith(start), (call, done.stderr)
        assert "Traceback" not in done.stderr, call
    assert "'3.2'" in results["pymacaron", "convert", "typo.yaml", "--to", "3.2"].stderr
    assert sorted(os.listdir(tmp_path)) == ["broken.yaml", "folder", "list.yaml", "typo.yaml"]


def test_comments_are_told_apart_from_text_with_a_hash():
    """The opening comments are carried over; the line of every other comment is reported, not '#' in text."""
    from pymacaron.cli.convert import _comments

    text = ("# head 1\n\n# head 2\nswagger: '2.0'   # trailing\ninfo:\n  title: 'a # quoted'\n"
            "  description: |\n    # block text\n    text\n  # a comment\n  version: \"1 # quoted\"\n"
            "paths: {a: 1,   # in flow\n  b: 2}\nx: >\n  folded # text\ny: plain#text\n")
    assert _comments(text) == (["# head 1", "", "# head 2"], [4, 10, 12])
    assert _comments("swagger: '2.0'\n") == ([], [])
