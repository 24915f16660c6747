"""pymacaron.config: where pym-config is found, what it holds, env secrets, and that secrets stay secret."""

import logging
import sys

import pytest
from pym_testing import JWT_SECRET

from pymacaron import config as config_module
from pymacaron.config import (
    DEFAULTS,
    ConfigError,
    PyMacaronConfig,
    config_loaded,
    get_config,
    get_config_path,
    load_config,
    reset_config,
)

MINIMAL = "name: svc\nlive_host: svc.example.com\n"


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Every place the search looks at, as tmp folders: script folder, its test/, /pym, cwd."""
    dirs = {name: tmp_path / name for name in ("script", "pym", "cwd", "explicit", "envvar")}
    for d in dirs.values():
        d.mkdir()
    dirs["test"] = dirs["script"] / "test"
    dirs["test"].mkdir()
    monkeypatch.setattr(sys, "argv", [str(dirs["script"] / "server.py")])
    monkeypatch.setattr(config_module, "PYM_ROOT", str(dirs["pym"]))
    monkeypatch.chdir(dirs["cwd"])
    return dirs


def write(folder, text=MINIMAL, name="pym-config.yaml"):
    path = folder / name
    path.write_text(text)
    return path


def test_pym_root_default():
    assert config_module.PYM_ROOT == "/pym"


# -- where the file is found ------------------------------------------------------------

ORDER = ["explicit", "envvar", "script", "pym", "test", "cwd"]


def test_search_order(places, monkeypatch):
    for name in ORDER:
        write(places[name], f"name: from-{name}\nlive_host: h\n")
    monkeypatch.setenv("PYM_CONFIG", str(places["envvar"]))
    for i, name in enumerate(ORDER):
        reset_config()
        conf = get_config(path=str(places["explicit"]) if i == 0 else None)
        assert conf.name == f"from-{name}"
        assert conf.config_path == str(places[name] / "pym-config.yaml")
        (places[name] / "pym-config.yaml").unlink()
        if name == "envvar":
            monkeypatch.delenv("PYM_CONFIG")


def test_explicit_file_and_env_var_file(places, monkeypatch):
    path = write(places["explicit"], "name: explicit\nlive_host: h\n", name="custom.yaml")
    assert PyMacaronConfig(path=str(path)).name == "explicit"
    path = write(places["envvar"], "name: envvar\nlive_host: h\n", name="other.yaml")
    monkeypatch.setenv("PYM_CONFIG", str(path))
    assert PyMacaronConfig().name == "envvar"


def test_explicit_path_that_does_not_exist(places, monkeypatch):
    write(places["cwd"])
    with pytest.raises(ConfigError, match=r"get_config\(path=...\) is '/nowhere/pym-config.yaml', which does not"):
        get_config(path="/nowhere/pym-config.yaml")
    monkeypatch.setenv("PYM_CONFIG", "/nowhere")
    with pytest.raises(ConfigError, match=r"\$PYM_CONFIG is '/nowhere', which does not exist"):
        get_config()


def test_env_specific_file_preferred(places, monkeypatch):
    write(places["cwd"], "name: generic\nlive_host: h\n")
    write(places["cwd"], "name: staging\nlive_host: h\n", name="pym-config.staging.yaml")
    assert PyMacaronConfig().name == "generic"
    monkeypatch.setenv("PYM_ENV", "staging")
    conf = PyMacaronConfig()
    assert (conf.name, conf.pym_env) == ("staging", "staging")
    assert PyMacaronConfig(env="prod").name == "generic"  # the argument wins over $PYM_ENV
    monkeypatch.setenv("PYM_ENV", "prod")
    assert PyMacaronConfig(env="staging").name == "staging"


def test_env_specific_file_is_per_folder(places, monkeypatch):
    write(places["script"], "name: script-generic\nlive_host: h\n")
    write(places["cwd"], "name: cwd-staging\nlive_host: h\n", name="pym-config.staging.yaml")
    monkeypatch.setenv("PYM_ENV", "staging")
    assert PyMacaronConfig().name == "script-generic"


def test_no_env_never_looks_for_a_none_file(places):
    write(places["cwd"], "name: none\nlive_host: h\n", name="pym-config.None.yaml")
    write(places["cwd"])
    assert PyMacaronConfig().name == "svc"


def test_not_found_lists_the_places(places):
    with pytest.raises(ConfigError) as e:
        get_config()
    message = str(e.value)
    assert message.startswith("Failed to find pym-config!")
    for name in ("script", "pym", "test", "cwd"):
        assert str(places[name] / "pym-config.yaml") in message
    assert "point PYM_CONFIG at it" in message
    assert not config_loaded()


def test_get_config_path_for_other_names(places):
    write(places["pym"], "x: 1", name="other.dev.yaml")
    write(places["cwd"], "x: 2", name="other.yaml")
    assert get_config_path("other.yaml", env="dev")[0] == str(places["pym"] / "other.dev.yaml")
    found, searched = get_config_path("other.yaml")
    assert found == str(places["cwd"] / "other.yaml") and searched[-1] == found


# -- what the file holds ------------------------------------------------------------------

def test_invalid_yaml_names_file_and_line(places):
    path = write(places["cwd"], "name: svc\nlive_host: a: b\n")
    with pytest.raises(ConfigError, match=rf"^{path} line 2: invalid YAML: mapping values are not allowed"):
        get_config()


@pytest.mark.parametrize("text, message", [
    ("- a\n- b\n", "must be a YAML mapping of keys to values"),
    ("name: svc\nget: 1\n", "line 2: 'get' is a reserved name in pym-config: rename the key"),
    ("name: svc\n_x: 1\n", "'_x' is a reserved name"),
    ("name: svc\n1: 1\n", "key 1 must be a string"),
    ("name: svc\nenv_secrets: {a: b}\n", "line 2: env_secrets must be a list of environment variable names"),
    ("live_url: api.example.com\n", "line 1: live_url 'api.example.com' is not an http(s) URL"),
    ("live_url: https://api.example.com:port\n", "is not an http(s) URL"),
])
def test_bad_content(places, text, message):
    write(places["cwd"], text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        get_config()


def test_empty_file_gives_defaults(places):
    write(places["cwd"], "")
    conf = get_config()
    assert conf.jwt_token_timeout == 86400 and conf.get("name") is None


def test_defaults(places):
    write(places["cwd"])
    conf = get_config()
    assert conf.jwt_issuer is None and conf.jwt_audience is None and conf.jwt_secret is None
    assert (conf.jwt_token_timeout, conf.jwt_token_renew_after, conf.default_user_id, conf.report_call_exceeding_ms) \
        == (86400, 10800, "PYM_DEFAULT_USER_ID", 1000)
    assert (conf.jwt_leeway, conf.jwt_algorithms) == (30, ["HS256"])
    conf.jwt_algorithms.append("HS512")
    assert DEFAULTS["jwt_algorithms"] == ["HS256"]  # defaults are copied, never shared


def test_every_key_is_an_attribute_and_settable(places):
    write(places["cwd"], MINIMAL + "answer: 42\nnested: {a: [1, 2]}\njwt_token_timeout: 60\n")
    conf = get_config()
    assert (conf.answer, conf.nested, conf.jwt_token_timeout) == (42, {"a": [1, 2]}, 60)
    assert get_config() is conf
    conf.answer = 43
    conf.brand_new = "x"
    assert (get_config().answer, get_config().brand_new, conf.get("missing", 7)) == (43, "x", 7)
    with pytest.raises(AttributeError, match="pym-config has no key 'missing'"):
        conf.missing  # noqa: B018


def test_singleton_arguments_count_on_first_call_only(places):
    write(places["explicit"], "name: first\nlive_host: h\n")
    write(places["cwd"], "name: cwd\nlive_host: h\n")
    assert get_config(path=str(places["explicit"])).name == "first"
    assert get_config(env="other").name == "first"
    assert load_config().name == "cwd" and get_config().name == "cwd"
    assert load_config(data={"name": "data"}).name == "data" and get_config().config_path is None
    reset_config()
    assert not config_loaded()
    with pytest.raises(ConfigError, match="takes a dict"):
        PyMacaronConfig(data=["x"])


@pytest.mark.parametrize("text, host, port, proto", [
    ("live_url: https://api.example.com\n", "api.example.com", 443, "https"),
    ("live_url: http://api.example.com:8080/v1\n", "api.example.com", 8080, "http"),
    ("live_url: http://api.example.com\n", "api.example.com", 80, "http"),
    ("live_host: api.example.com\n", "api.example.com", 80, "http"),
    ("live_host: api.example.com\naws_cert_arn: arn:x\n", "api.example.com", 443, "https"),
])
def test_live_url(places, text, host, port, proto):
    write(places["cwd"], "name: svc\n" + text)
    conf = get_config()
    assert (conf.live_host, conf.live_port, conf.live_proto) == (host, port, proto)
    assert conf.check_mandatory() is conf


@pytest.mark.parametrize("text, key", [
    ("live_host: h\n", "'name'"),
    ("name: svc\n", "'live_url' (or 'live_host')"),
])
def test_check_mandatory_names_the_missing_key(places, text, key):
    path = write(places["cwd"], text)
    with pytest.raises(ConfigError, match=rf"^{path}: the mandatory key {key.replace('(', '.').replace(')', '.')}"):
        get_config().check_mandatory()


def test_check_mandatory_without_a_file():
    with pytest.raises(ConfigError, match="no pym-config.yaml was found: defaults only.*'name'"):
        load_config(data={}).check_mandatory()


# -- env_secrets ------------------------------------------------------------------------

SECRET_CONFIG = MINIMAL + """\
jwt_secret: PYM_T_JWT
db_password: PYM_T_DB
plain: PYM_T_PLAIN
env_secrets:
  - PYM_T_JWT
  - PYM_T_DB
  - PYM_T_PLAIN
"""
DB_PASSWORD = "Zq8-db-pass-Xy77"
PLAIN_SECRET = "plain-Secret-9911"


@pytest.fixture
def secret_env(monkeypatch):
    monkeypatch.setenv("PYM_T_JWT", JWT_SECRET)
    monkeypatch.setenv("PYM_T_DB", DB_PASSWORD)
    monkeypatch.setenv("PYM_T_PLAIN", PLAIN_SECRET)


def test_env_secrets_substituted(places, secret_env):
    write(places["cwd"], SECRET_CONFIG)
    conf = get_config()
    assert (conf.jwt_secret, conf.db_password, conf.plain) == (JWT_SECRET, DB_PASSWORD, PLAIN_SECRET)
    assert conf.env_secrets == ["PYM_T_JWT", "PYM_T_DB", "PYM_T_PLAIN"]
    assert conf.secret_values >= {JWT_SECRET, DB_PASSWORD, PLAIN_SECRET}
    assert conf.is_secret("plain") and not conf.is_secret("name")


def test_missing_env_secret_stops_with_variable_and_key(places, secret_env, monkeypatch):
    path = write(places["cwd"], SECRET_CONFIG)
    monkeypatch.delenv("PYM_T_DB")
    with pytest.raises(ConfigError) as e:
        get_config()
    message = str(e.value)
    assert "environment variable(s) listed in env_secrets are not set" in message
    assert f"$PYM_T_DB (for 'db_password', {path} line 4)" in message
    assert "export PYM_T_DB=..." in message
    for value in (JWT_SECRET, PLAIN_SECRET, JWT_SECRET[:8]):
        assert value not in message
    assert not config_loaded()


def test_missing_env_secret_never_falls_back_to_the_key_name(places):
    write(places["cwd"], MINIMAL + "jwt_secret: PYM_T_UNSET\nenv_secrets: [PYM_T_UNSET]\n")
    with pytest.raises(ConfigError, match=r"\$PYM_T_UNSET \(for 'jwt_secret'"):
        get_config()


def test_unused_unset_env_secret_only_warns(places, caplog):
    write(places["cwd"], MINIMAL + "env_secrets: [PYM_T_ONLY_FOR_DEPLOY, PYM_T_NESTED]\n"
                                   "crash_reports: {slack: {webhook_url: PYM_T_NESTED}}\n")
    caplog.set_level(logging.WARNING)
    assert get_config().env_secrets == ["PYM_T_ONLY_FOR_DEPLOY", "PYM_T_NESTED"]
    # a nested use is resolved (and checked) by the code that reads that section
    assert caplog.messages == ["env_secrets lists $PYM_T_ONLY_FOR_DEPLOY, which is not set (no key uses it)"]


def test_values_of_env_secrets_used_in_nested_sections_are_secret(places, monkeypatch):
    monkeypatch.setenv("PYM_T_NESTED", "https://hooks.example.com/T000/nested-hook-secret")
    write(places["cwd"], MINIMAL + "env_secrets: [PYM_T_NESTED]\ncrash_reports: {slack: {webhook_url: PYM_T_NESTED}}\n"
                                   "other: {slack: {webhook_url: https://hooks.example.com/literal-hook}}\n")
    conf = get_config()
    assert conf.crash_reports == {"slack": {"webhook_url": "PYM_T_NESTED"}}  # resolved by its reader
    assert {"https://hooks.example.com/T000/nested-hook-secret", "https://hooks.example.com/literal-hook"} \
        <= conf.secret_values
    assert conf.redacted()["other"] == {"slack": {"webhook_url": "****"}}


# -- secrets never shown -------------------------------------------------------------

def test_repr_and_redacted_mask_secrets(places, secret_env):
    write(places["cwd"], SECRET_CONFIG + "scout_key: literal-scout-key-123\naws:\n  secret_access_key: nested-S3cret\n"
                         "  region: eu\nnote: 'db is Zq8-db-pass-Xy77'\n")
    conf = get_config()
    red = conf.redacted()
    assert red["jwt_secret"] == red["db_password"] == red["plain"] == red["scout_key"] == "****"
    assert red["aws"] == {"secret_access_key": "****", "region": "eu"}
    assert red["note"] == "db is ****" and red["name"] == "svc"
    assert red["env_secrets"] == ["PYM_T_JWT", "PYM_T_DB", "PYM_T_PLAIN"]
    assert "nested-S3cret" in conf.secret_values and "literal-scout-key-123" in conf.secret_values
    for text in (repr(conf), str(conf), str(red)):
        for value in (JWT_SECRET, DB_PASSWORD, PLAIN_SECRET, "literal-scout-key-123", "nested-S3cret"):
            assert value not in text and value[:8] not in text


def test_secret_set_at_runtime_is_masked(places):
    write(places["cwd"])
    conf = get_config()
    conf.jwt_secret = "runtime-secret-value"
    assert "runtime-secret-value" in conf.secret_values and "runtime-secret-value" not in repr(conf)


def test_no_secret_in_logs_over_a_service_start(service, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("PYM_T_DB", DB_PASSWORD)
    app = service(config="""\
        name: testsvc
        live_url: https://testsvc.example.com
        jwt_secret: PYM_TEST_JWT_SECRET
        jwt_issuer: test.pymacaron.com
        jwt_audience: testaudience
        db_password: PYM_T_DB
        scout_key: literal-scout-key-123
        env_secrets: [PYM_TEST_JWT_SECRET, PYM_T_DB]
        """)
    assert app.test_client().get("/ping").status_code == 200
    assert get_config().jwt_secret == JWT_SECRET and get_config().live_port == 443
    assert any("pym-config loaded from" in m for m in caplog.messages)  # the config dump is logged...
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for value in (JWT_SECRET, DB_PASSWORD, "literal-scout-key-123"):  # ...without any secret, even in part
        assert value not in logged and value[:8] not in logged
