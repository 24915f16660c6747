"""``pymacaron lint``: the real console script checks specs strictly and exits non-zero on any problem."""

from cli_testing import cli, write

CLEAN = """\
swagger: '2.0'
info: {title: clean, version: '1'}
paths:
  /a:
    get:
      x-bind-server: svc.api.get_a
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Error'}}
"""

TOLERATED = """\
swagger: '2.0'
info: {version: '1'}
paths:
  /a:
    get:
      x-bind-server: svc.api.get_a
      responses:
        '200': {description: ok, type: object}
"""

BROKEN = """\
swagger: '2.0'
info: {title: broken, version: '1'}
paths:
  /a/{id}:
    get:
      security: [{nowhere: []}]
      responses:
        '200': {description: ok}
"""


def test_a_clean_spec_passes(tmp_path):
    write(tmp_path, {"apis/clean.yaml": CLEAN})
    done = cli("pymacaron", "lint", cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "1 spec checked: no problem\n", "")


def test_what_start_up_only_warns_about_fails_the_lint(tmp_path):
    write(tmp_path, {"apis/clean.yaml": CLEAN, "apis/old.yaml": TOLERATED, "pym-config.yaml": "name: x\n"})
    done = cli("pymacaron", "lint", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == (
        "apis/old.yaml line 2, info: invalid Swagger 2.0: 'title' is a required property\n"
        "    fix: add the missing key\n"
        "apis/old.yaml line 8, paths./a.get.responses.200: invalid Swagger 2.0: 'type' does not match any of the "
        "regexes: '^x-'\n    fix: remove the key, or prefix custom keys with 'x-'\n")
    assert done.stderr == "ERROR: 2 problems in 1 of 2 specs\n"


def test_errors_of_later_stages_are_listed_and_named_files_checked(tmp_path):
    write(tmp_path, {"specs/broken.yaml": BROKEN})
    done = cli("pymacaron", "lint", "specs/broken.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert "specs/broken.yaml line 6, GET /a/{id}: security requirement names the scheme 'nowhere', which is not " \
           "declared (declared: none)" in done.stdout
    assert "the path uses {id} but no 'in: path' parameter named 'id' is declared" in done.stdout
    assert cli("pymacaron", "lint", "nothere", cwd=tmp_path).stderr == "ERROR: nothere: no such file or folder\n"
    assert "no such file or folder (run it in the service's folder" in cli("pymacaron", "lint", cwd=tmp_path).stderr
