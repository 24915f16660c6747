"""pymacaron.crash.reporters: Slack and e-mail reporters against real local servers, the fan-out,
and a service configured by pym-config.yaml sending a crash to both."""

import json
import logging

import pytest
from reporters_testing import RefusingPort, SilentPort, SmtpServer, WebhookServer, slack_report, tls_files

from pymacaron.crash import flush_reports, set_error_reporter
from pymacaron.crash.reporters import (
    EmailReporter,
    EmailReporterError,
    FanOutReporter,
    FanOutReporterError,
    SlackReporter,
    SlackReporterError,
)

# aiosmtpd warns that AUTH without TLS is unsafe: the tests of a refused login do it on purpose
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

TITLE = "FATAL BACKEND ERROR shop 500 UNHANDLED_SERVER_ERROR: shop.api.do_buy(): <list> & 'co' failed"
TOKEN = "s3cr3t-webhook-token"
SMTP_PASSWORD = "smtp-Pa55word-for-tests"


def report(trace_lines=3):
    return json.dumps({
        "title": "shop.api.do_buy(): boom",
        "error_id": "5b0f0f9e-0000-4000-8000-000000000000",
        "response": {"status": "500", "error_code": "UNHANDLED_SERVER_ERROR", "is_error": 1},
        "trace": [f"  File \"shop/api.py\", line {i}, in do_buy\n    x = ```markdown``` < 1 & 2\n"
                  for i in range(trace_lines)],
        "stack": ["  File \"threading.py\", line 1, in run\n"] * trace_lines,
        "user": {"id": "", "is_auth": 0, "ip": "127.0.0.1"},
    }, sort_keys=True, indent=4)


# -- Slack -------------------------------------------------------------------------


def test_slack_posts_the_title_and_the_report():
    message = report()
    with WebhookServer() as hook:
        SlackReporter(hook.url(), channel="#crashes", username="crash-bot")(TITLE, message)
        post = hook.wait_for(1)[0]
    assert post["path"] == f"/services/T0000/B0000/{TOKEN}"
    assert post["headers"]["Content-Type"] == "application/json"
    assert post["json"]["channel"] == "#crashes" and post["json"]["username"] == "crash-bot"
    assert "<list>" not in post["json"]["text"] and "&lt;list&gt; &amp; 'co'" in post["json"]["text"]
    assert post["json"]["text"].count("```") == 2  # the report's own ``` do not close the code block
    title, text, note = slack_report(post)
    assert title == TITLE and note is None
    assert json.loads(text) == json.loads(message)


def test_slack_cuts_a_long_report_keeping_the_useful_fields_first():
    message = report(trace_lines=400)
    with WebhookServer() as hook:
        SlackReporter(hook.url(), max_chars=2000)(TITLE, message)
        post = hook.wait_for(1)[0]
    title, text, note = slack_report(post)
    assert title == TITLE
    assert len(text) <= 2000 and len(post["json"]["text"]) < 2600
    assert note.startswith(f"_Report truncated: {len(text)} of ") and "most useful fields first" in note
    first_keys = [line.split('"')[1] for line in text.splitlines()[1:4]]
    assert first_keys == ["title", "error_id", "response"]
    assert '"trace"' in text and '"stack"' not in text  # the reporting thread's stack goes last


def test_slack_cuts_a_report_that_is_not_json():
    with WebhookServer() as hook:
        SlackReporter(hook.url(), max_chars=500)("title", "x" * 5000)
        _, text, note = slack_report(hook.wait_for(1)[0])
    assert text == "x" * 500 and "500 of 5000" in note


@pytest.mark.parametrize("status", [500, 404])
def test_slack_error_answer_raises_without_leaking_the_webhook(status):
    with WebhookServer(status=status, body=b"no_service") as hook:
        with pytest.raises(SlackReporterError, match=f"answered HTTP {status} 'no_service'") as e:
            SlackReporter(hook.url())(TITLE, report())
    assert "127.0.0.1" in str(e.value) and TOKEN not in str(e.value)
    if status == 404:
        assert "wrong or revoked" in str(e.value)


def test_slack_unreachable_fails_at_once_without_leaking_the_webhook():
    with RefusingPort() as port:
        reporter = SlackReporter(f"http://127.0.0.1:{port.port}/services/T/B/{TOKEN}?key={TOKEN}", timeout=3)
        with pytest.raises(SlackReporterError, match="cannot reach the Slack webhook at 127.0.0.1: .*Connection refused$") as e:
            reporter(TITLE, report())
    assert TOKEN not in str(e.value) and TOKEN not in repr(reporter)


def test_slack_silent_server_times_out():
    with SilentPort() as port:
        with pytest.raises(SlackReporterError, match=r"did not answer within 0.3s"):
            SlackReporter(f"http://127.0.0.1:{port.port}/services/x", timeout=0.3)(TITLE, report())


@pytest.mark.parametrize("kwargs, error", [
    ({"webhook_url": "SLACK_WEBHOOK"}, "'SLACK_WEBHOOK' is not an http.s. URL .*list it in env_secrets"),
    ({"webhook_url": "hooks.slack.com/services/x"}, "is not an http.s. URL like https://hooks.slack.com"),
    ({"webhook_url": "https://h/x", "timeout": 0}, "timeout must be a positive number"),
    ({"webhook_url": "https://h/x", "max_chars": 10}, "max_chars must be an integer of at least 200"),
])
def test_slack_bad_arguments(kwargs, error):
    with pytest.raises(ValueError, match=error):
        SlackReporter(**kwargs)


# -- e-mail -------------------------------------------------------------------------


def test_email_sends_title_as_subject_and_report_as_plain_text():
    message = report()
    with SmtpServer() as smtp:
        EmailReporter("127.0.0.1", smtp.port, sender="crash@shop.example", recipients="ops@shop.example")(
            TITLE + "\nwith a second line", message)
        mail = smtp.wait_for(1)[0]
    assert mail["from"] == "crash@shop.example" and mail["to"] == ["ops@shop.example"]
    msg = mail["message"]
    assert msg["Subject"] == TITLE + " with a second line"
    assert msg["From"] == "crash@shop.example" and msg["To"] == "ops@shop.example" and msg["Date"]
    assert msg.get_content_type() == "text/plain"
    assert json.loads(msg.get_content()) == json.loads(message)


def test_email_starttls_and_login_with_a_private_ca(tmp_path):
    server_tls, cafile = tls_files(tmp_path)
    with SmtpServer(users={"crash": SMTP_PASSWORD}, tls=server_tls) as smtp:
        EmailReporter("127.0.0.1", smtp.port, sender="crash@shop.example", recipients=["a@x.io", "b@x.io"],
                      username="crash", password=SMTP_PASSWORD, starttls=True, cafile=cafile)(TITLE, report())
        mail = smtp.wait_for(1)[0]
    assert mail["to"] == ["a@x.io", "b@x.io"] and mail["login"] == b"crash"
    assert SMTP_PASSWORD.encode() not in mail["raw"]


def test_email_implicit_tls(tmp_path):
    server_tls, cafile = tls_files(tmp_path)
    with SmtpServer(tls=server_tls, implicit=True) as smtp:
        EmailReporter("127.0.0.1", smtp.port, sender="c@x.io", recipients="o@x.io", ssl=True,
                      cafile=cafile)(TITLE, report())
        assert smtp.wait_for(1)[0]["message"]["Subject"] == TITLE


def test_email_untrusted_certificate_names_the_fix(tmp_path):
    server_tls, _ = tls_files(tmp_path)
    with SmtpServer(tls=server_tls) as smtp:
        with pytest.raises(EmailReporterError, match="TLS with SMTP server 127.0.0.1.*set cafile"):
            EmailReporter("127.0.0.1", smtp.port, sender="c@x.io", recipients="o@x.io", starttls=True)("t", "{}")
        assert smtp.messages == []


def test_email_refused_login_raises_without_the_password():
    with SmtpServer(users={"crash": "the-right-one"}) as smtp:
        with pytest.raises(EmailReporterError, match=r"refused the login of 'crash' \(535 .*check the username") as e:
            EmailReporter("127.0.0.1", smtp.port, sender="c@x.io", recipients="o@x.io", username="crash",
                          password=SMTP_PASSWORD)(TITLE, report())
        assert smtp.messages == []
    assert SMTP_PASSWORD not in str(e.value)


def test_email_unreachable_fails_at_once():
    with RefusingPort() as port:
        with pytest.raises(EmailReporterError, match=f"cannot send through SMTP server 127.0.0.1:{port.port}: "
                                                     "Connection refused"):
            EmailReporter("127.0.0.1", port.port, sender="c@x.io", recipients="o@x.io", timeout=3)("t", "{}")


def test_email_silent_server_times_out():
    with SilentPort() as port:
        with pytest.raises(EmailReporterError, match=r"did not answer within 0.3s"):
            EmailReporter("127.0.0.1", port.port, sender="c@x.io", recipients="o@x.io", timeout=0.3)("t", "{}")


@pytest.mark.parametrize("kwargs, error", [
    ({"recipients": "o@x.io"}, r"sender \(from\) must be an e-mail address, got None"),
    ({"sender": "c@x.io"}, r"recipients \(to\) must be one or more e-mail addresses"),
    ({"sender": "c@x.io", "recipients": ["o@x.io", "nobody"]}, "recipients"),
    ({"sender": "c@x.io", "recipients": "o@x.io", "ssl": True, "starttls": True}, "not both"),
    ({"sender": "c@x.io", "recipients": "o@x.io", "username": "u"}, "username and password go together"),
    ({"sender": "c@x.io", "recipients": "o@x.io", "port": "587"}, "port must be a port number"),
    ({"sender": "c@x.io", "recipients": "o@x.io", "cafile": "/no/such.pem"}, "cafile '/no/such.pem': no such file"),
])
def test_email_bad_arguments(kwargs, error):
    with pytest.raises(ValueError, match=error):
        EmailReporter("smtp.example.com", **kwargs)


def test_email_defaults_and_warns_about_a_password_sent_in_clear(caplog):
    assert EmailReporter("smtp.x.io", sender="c@x.io", recipients="o@x.io").port == 25
    assert EmailReporter("smtp.x.io", sender="c@x.io", recipients="o@x.io", ssl=True).port == 465
    with caplog.at_level(logging.WARNING, logger="pymacaron.crash"):
        EmailReporter("smtp.x.io", 587, "c@x.io", "o@x.io", username="u", password=SMTP_PASSWORD)
    assert "sends the SMTP password unencrypted: set starttls" in caplog.text
    assert SMTP_PASSWORD not in caplog.text


# -- fan-out -------------------------------------------------------------------------


def test_fan_out_isolates_each_failure():
    with WebhookServer(status=500) as hook, SmtpServer() as smtp:
        slack = SlackReporter(hook.url())
        email = EmailReporter("127.0.0.1", smtp.port, sender="c@x.io", recipients="o@x.io")
        with pytest.raises(FanOutReporterError, match=r"1 of 2 crash reporters failed: SlackReporter\(host='127") as e:
            FanOutReporter([slack, email])(TITLE, report())
        assert len(hook.wait_for(1)) == 1 and len(smtp.wait_for(1)) == 1
    assert [r for r, _ in e.value.errors] == [slack]
    assert isinstance(e.value.errors[0][1], SlackReporterError)


def test_fan_out_needs_callables():
    with pytest.raises(ValueError, match="list of reporter"):
        FanOutReporter([])
    with pytest.raises(ValueError, match="list of reporter"):
        FanOutReporter(["not callable"])


# -- a service configured by pym-config.yaml ---------------------------------------------

SERVICE_CONFIG = """\
name: testsvc
live_host: testsvc.example.com
jwt_secret: PYM_TEST_JWT_SECRET
jwt_issuer: test.pymacaron.com
jwt_audience: testaudience
env_secrets: [PYM_TEST_JWT_SECRET, SLACK_WEBHOOK, SMTP_PASSWORD]
crash_reports:
  slack:
    webhook_url: SLACK_WEBHOOK
    channel: "#crashes"
    timeout: 5
  email:
    host: 127.0.0.1
    port: {smtp_port}
    from: crashes@testsvc.example.com
    to: [oncall@testsvc.example.com]
    username: crashes
    password: SMTP_PASSWORD
    starttls: true
    cafile: {cafile}
"""


def test_service_sends_a_crash_to_slack_and_email_without_secrets(service, monkeypatch, tmp_path, caplog):
    from pym_testing import JWT_SECRET

    server_tls, cafile = tls_files(tmp_path)
    with WebhookServer() as hook, SmtpServer(users={"crashes": SMTP_PASSWORD}, tls=server_tls) as smtp:
        monkeypatch.setenv("SLACK_WEBHOOK", hook.url())
        monkeypatch.setenv("SMTP_PASSWORD", SMTP_PASSWORD)
        app = service(include_crash_api=True, config=SERVICE_CONFIG.format(smtp_port=smtp.port, cafile=cafile))
        # the secrets also travel in the request, to check the report is redacted before it is sent
        r = app.test_client().get(f"/crash/internalexception?q={SMTP_PASSWORD}&j={JWT_SECRET}",
                                  headers={"User-Agent": f"agent {JWT_SECRET}"})
        assert r.status_code == 500
        assert flush_reports(10)
        post, mail = hook.wait_for(1)[0], smtp.wait_for(1)[0]
    title, text, _ = slack_report(post)
    assert title.startswith("FATAL BACKEND ERROR testsvc 500 UNHANDLED_SERVER_ERROR: ")
    assert mail["message"]["Subject"] == title and mail["to"] == ["oncall@testsvc.example.com"]
    assert mail["login"] == b"crashes"
    sent = json.loads(mail["message"].get_content())
    assert sent["response"]["error_code"] == "UNHANDLED_SERVER_ERROR" and sent["trace"]
    assert sent["title"] in text and sent["error_id"] in text
    assert "q=****&j=****" in sent["endpoint"]["url"]  # the secrets did reach the report, masked
    for secret in (SMTP_PASSWORD, JWT_SECRET, TOKEN):
        assert secret.encode() not in post["raw"] and secret.encode() not in mail["raw"], secret
        assert secret not in caplog.text, secret


def test_service_keeps_sending_email_when_slack_fails(service, monkeypatch, caplog):
    with WebhookServer(status=500) as hook, SmtpServer() as smtp:
        monkeypatch.setenv("SLACK_WEBHOOK", hook.url())
        config = (SERVICE_CONFIG.split("crash_reports:")[0].replace(", SMTP_PASSWORD", "")
                  + f"crash_reports:\n  slack: SLACK_WEBHOOK\n  email: {{host: 127.0.0.1, port: {smtp.port}, "
                  "from: c@x.io, to: o@x.io}\n")
        app = service(include_crash_api=True, config=config)
        assert app.test_client().get("/crash/internalexception").status_code == 500
        assert flush_reports(10)
        assert len(smtp.wait_for(1)) == 1 and len(hook.wait_for(1)) == 1
    assert "answered HTTP 500" in caplog.text  # logged by the reporting thread, which goes on
    assert TOKEN not in caplog.text


def test_an_explicit_error_reporter_wins_over_crash_reports(service, monkeypatch):
    received = []
    monkeypatch.setenv("SLACK_WEBHOOK", "http://127.0.0.1:9/services/never/used")
    monkeypatch.setenv("SMTP_PASSWORD", SMTP_PASSWORD)
    app = service(include_crash_api=True, config=SERVICE_CONFIG.format(smtp_port=9, cafile=__file__),
                  api_kwargs={"error_reporter": lambda title, message: received.append(title)})
    app.test_client().get("/crash/internalexception")
    assert flush_reports(10)
    assert len(received) == 1 and received[0].startswith("FATAL BACKEND ERROR")
    set_error_reporter(None)
