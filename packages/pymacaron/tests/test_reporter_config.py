"""pymacaron.crash.reporter_config: crash_reports in pym-config.yaml -> reporters, nested env
secrets, errors naming the key and the fix, and API(...) installing the configured reporter."""

import logging
import textwrap

import pytest
from reporters_testing import SmtpServer

from pymacaron.config import ConfigError, load_config
from pymacaron.crash import get_error_reporter
from pymacaron.crash.reporters import EmailReporter, FanOutReporter, SlackReporter, reporter_from_config
from pymacaron.crash.reporting import default_reporter

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # aiosmtpd, on purpose

HOOK = "https://hooks.slack.com/services/T0/B0/tok-from-env"
PASSWORD = "pw-from-the-environment"


@pytest.fixture
def secrets(monkeypatch):
    monkeypatch.setenv("SLACK_WEBHOOK", HOOK)
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("OPS_EMAIL", "ops@shop.example")


def config(crash_reports, env_secrets=("SLACK_WEBHOOK", "SMTP_PASSWORD", "OPS_EMAIL")):
    return load_config(data={"name": "shop", "env_secrets": list(env_secrets), "crash_reports": crash_reports})


@pytest.mark.parametrize("section", [None, {}, {"log": False}])
def test_nothing_configured_gives_none(section):
    assert reporter_from_config(load_config(data={"crash_reports": section} if section is not None else {})) is None


def test_slack_with_nested_env_secret(secrets):
    reporter = reporter_from_config(config({"slack": {"webhook_url": "SLACK_WEBHOOK", "channel": "#c",
                                                      "timeout": 2.5, "max_chars": 1000}}))
    assert isinstance(reporter, SlackReporter)
    assert (reporter.webhook_url, reporter.channel, reporter.timeout, reporter.max_chars) == (HOOK, "#c", 2.5, 1000)


def test_slack_shorthand_is_the_webhook_url(secrets):
    assert reporter_from_config(config({"slack": "SLACK_WEBHOOK"})).webhook_url == HOOK


def test_log_slack_and_email_fan_out_and_the_password_comes_from_the_environment(secrets):
    with SmtpServer(users={"crash": PASSWORD}) as smtp:
        reporter = reporter_from_config(config({
            "log": True, "slack": {"webhook_url": "SLACK_WEBHOOK"},
            "email": {"host": "127.0.0.1", "port": smtp.port, "from": "c@shop.example", "to": ["OPS_EMAIL"],
                      "username": "crash", "password": "SMTP_PASSWORD", "timeout": 3}}))
        assert isinstance(reporter, FanOutReporter)
        log_, slack, email = reporter.reporters
        assert log_ is default_reporter and isinstance(slack, SlackReporter) and isinstance(email, EmailReporter)
        assert email.recipients == ["ops@shop.example"] and email.sender == "c@shop.example"
        email("title", "{}")  # a real login with the password from $SMTP_PASSWORD
        assert smtp.wait_for(1)[0]["to"] == ["ops@shop.example"]


def test_resolved_nested_secrets_are_redacted(secrets):
    cfg = config({"slack": {"webhook_url": "SLACK_WEBHOOK"}})
    reporter_from_config(cfg)
    assert HOOK in cfg.secret_values and PASSWORD in cfg.secret_values


def test_missing_env_secrets_are_all_named_with_their_keys(monkeypatch):
    monkeypatch.delenv("SLACK_WEBHOOK", raising=False)
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    cfg = config({"slack": {"webhook_url": "SLACK_WEBHOOK"},
                  "email": {"host": "h", "from": "c@x.io", "to": "o@x.io", "username": "u",
                            "password": "SMTP_PASSWORD"}}, env_secrets=["SLACK_WEBHOOK", "SMTP_PASSWORD"])
    with pytest.raises(ConfigError) as e:
        reporter_from_config(cfg)
    message = str(e.value)
    assert "$SLACK_WEBHOOK (for 'crash_reports.slack.webhook_url')" in message
    assert "$SMTP_PASSWORD (for 'crash_reports.email.password')" in message
    assert "export SLACK_WEBHOOK=..." in message


def test_an_env_name_not_listed_in_env_secrets_is_an_error(secrets):
    with pytest.raises(ConfigError, match=r"crash_reports.email.password is 'SMTP_PASSWORD', the name of an "
                                          r"environment variable, but SMTP_PASSWORD is not listed in env_secrets"):
        reporter_from_config(config({"email": {"host": "h", "from": "c@x.io", "to": "o@x.io", "username": "u",
                                               "password": "SMTP_PASSWORD", "starttls": True}}, env_secrets=[]))
    with pytest.raises(ConfigError, match="crash_reports.slack.webhook_url is 'SLACK_WEBHOOK'"):
        reporter_from_config(config({"slack": "SLACK_WEBHOOK"}, env_secrets=[]))


def test_a_literal_password_works_but_warns(caplog):
    with caplog.at_level(logging.WARNING, logger="pymacaron.crash"):
        reporter = reporter_from_config(config({"email": {"host": "h", "from": "c@x.io", "to": "o@x.io",
                                                          "username": "u", "password": "hunter2-literal",
                                                          "ssl": True}}, env_secrets=[]))
    assert isinstance(reporter, EmailReporter) and reporter.ssl and reporter.port == 465
    assert "crash_reports.email.password is written in the file" in caplog.text
    assert "hunter2-literal" not in caplog.text


@pytest.mark.parametrize("section, error", [
    ("SLACK_WEBHOOK", "crash_reports must be a mapping with slack: and/or email:"),
    ({"slak": {}}, r"crash_reports: unknown key 'slak' \(known keys: email, log, slack\)"),
    ({"slack": {"url": HOOK}}, r"crash_reports.slack: unknown key 'url' \(known keys: channel, max_chars, timeout, "
                               r"username, webhook_url\)"),
    ({"slack": {"channel": "#c"}}, "crash_reports.slack: the key 'webhook_url' is required"),
    ({"email": {"host": "h", "to": "o@x.io"}}, "crash_reports.email: the key 'from' is required"),
    ({"email": {"host": "h", "from": "c@x.io", "to": "o@x.io", "port": "587"}},
     "crash_reports.email.port must be an integer, got '587'"),
    ({"email": {"host": "h", "from": "c@x.io", "to": "o@x.io", "port": True}},
     "crash_reports.email.port must be an integer, got True"),
    ({"email": {"host": "h", "from": "c@x.io", "to": "o@x.io", "starttls": "yes"}},
     "crash_reports.email.starttls must be true or false, got 'yes'"),
    ({"email": {"host": "h", "from": "c@x.io", "to": 5}}, "crash_reports.email.to must be an e-mail address or a list"),
    ({"email": {"host": "h", "from": "c@x.io", "to": "o@x.io", "ssl": True, "starttls": True}},
     "crash_reports.email: choose starttls .* or ssl .*, not both"),
    ({"email": {"host": "h", "from": "crashes", "to": "o@x.io"}},
     r"crash_reports.email: sender \(from\) must be an e-mail address, got 'crashes'"),
    ({"slack": {"webhook_url": "ftp://h/x"}}, "crash_reports.slack: webhook_url is not an http.s. URL"),
    ({"log": "yes"}, "crash_reports.log must be true or false"),
])
def test_invalid_sections_name_the_key_and_the_fix(section, error):
    with pytest.raises(ConfigError, match=error):
        reporter_from_config(config(section, env_secrets=[]))


def test_errors_name_the_config_file(tmp_path):
    path = tmp_path / "pym-config.yaml"
    path.write_text("name: shop\ncrash_reports:\n  email: {host: h, to: o@x.io}\n")
    with pytest.raises(ConfigError, match=f"^{path}: crash_reports.email: the key 'from' is required"):
        reporter_from_config(load_config(path=str(path)))


# -- API(...) installs it -------------------------------------------------------------

BASE_CONFIG = """\
name: testsvc
live_host: testsvc.example.com
jwt_secret: PYM_TEST_JWT_SECRET
env_secrets: [PYM_TEST_JWT_SECRET, SLACK_WEBHOOK]
"""


def test_api_installs_the_configured_reporter(service, secrets):
    service(config=BASE_CONFIG + "crash_reports:\n  slack: SLACK_WEBHOOK\n")
    reporter = get_error_reporter()
    assert isinstance(reporter, SlackReporter) and reporter.webhook_url == HOOK


def test_api_without_crash_reports_keeps_the_default_reporter(service):
    service()
    assert get_error_reporter() is default_reporter


def test_api_refuses_to_start_with_invalid_crash_reports(service, secrets):
    with pytest.raises(ConfigError, match="crash_reports.slack: unknown key 'webhook'"):
        service(config=BASE_CONFIG + textwrap.dedent("""\
            crash_reports:
              slack: {webhook: SLACK_WEBHOOK}
            """))
