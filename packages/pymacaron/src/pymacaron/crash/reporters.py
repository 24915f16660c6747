"""Ready-made crash reporters: Slack (incoming webhook) and e-mail (SMTP).

A reporter is ``reporter(title, message)``: ``title`` is one line, ``message``
the crash report as JSON, already redacted. pymacaron calls it in its
background reporting thread, so these raise on failure (the thread logs the
error and goes on) and every network call has a timeout. In code::

    from pymacaron.crash.reporters import EmailReporter, SlackReporter
    API(app, error_reporter=SlackReporter(os.environ["SLACK_WEBHOOK"]))

Without code: when ``API(app, ...)`` gets no ``error_reporter`` and
pym-config.yaml has ``crash_reports``, :func:`reporter_from_config` builds it::

    env_secrets: [SLACK_WEBHOOK, SMTP_PASSWORD]
    crash_reports:
      log: true                    # also log each report (the default reporter); default false
      slack:                       # or just: slack: SLACK_WEBHOOK
        webhook_url: SLACK_WEBHOOK # required
        channel: "#crashes"        # optional (honoured by legacy webhooks only)
        username: crash-bot        # optional
        timeout: 5                 # seconds
        max_chars: 3500            # longer reports are cut, most useful fields first
      email:
        host: smtp.example.com     # required
        port: 587                  # default 25, or 465 with ssl
        from: crashes@example.com  # required
        to: [oncall@example.com]   # required: an address or a list
        username: crashes@example.com
        password: SMTP_PASSWORD
        starttls: true             # STARTTLS upgrade; or ssl: true for implicit TLS
        cafile: /etc/ssl/corp-ca.pem  # optional: a private CA to trust
        timeout: 10

Several channels make a :class:`FanOutReporter`: each is tried, one failing
does not stop the others. Secrets in these nested values work like top-level
keys in :mod:`pymacaron.config`: a string value anywhere under
``crash_reports`` that is exactly the name of a variable listed in
``env_secrets`` is replaced by that variable's value (and is therefore
redacted from reports and logs); an unset variable stops start-up with an
error naming it and the key.

Errors::

    ReporterError               a report could not be sent (says where and why)
     ├── SlackReporterError
     ├── EmailReporterError
     └── FanOutReporterError    some of several reporters failed (.errors)
    pymacaron.config.ConfigError   crash_reports in pym-config.yaml is invalid
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import smtplib
import ssl as _ssl
from email.message import EmailMessage
from collections.abc import Callable, Iterable, Sequence
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

if TYPE_CHECKING:
    from pymacaron.config import PyMacaronConfig

log = logging.getLogger("pymacaron.crash")

__all__ = [
    "EmailReporter",
    "EmailReporterError",
    "FanOutReporter",
    "FanOutReporterError",
    "ReporterError",
    "SlackReporter",
    "SlackReporterError",
    "reporter_from_config",
]

_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
# Most useful first when a report must be cut; 'stack' (where report_error was called) last.
_PRIORITY = ("title", "error_id", "error_caught", "response", "endpoint", "trace", "user", "server", "call_id",
             "call_path", "time", "request", "is_fatal_error")


class ReporterError(Exception):
    """A crash report could not be sent; the message says where and why."""


class SlackReporterError(ReporterError):
    """Slack did not take a report: unreachable, too slow, or an HTTP error (the webhook URL is never shown)."""


class EmailReporterError(ReporterError):
    """The SMTP server did not take a report: login, TLS, refused recipients, timeout..."""


class FanOutReporterError(ReporterError):
    """Some reporters of a FanOutReporter failed (the others sent the report); ``errors``: [(reporter, exception)]."""

    def __init__(self, message: str, errors: list[tuple[Callable[[str, str], object], Exception]]) -> None:
        super().__init__(message)
        self.errors = errors  # [(reporter, exception), ...]


def _positive_number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"{what} must be a positive number of seconds, got {value!r}")
    return value


# -- Slack ----------------------------------------------------------------------


def _slack_escape(text: str) -> str:
    # Slack's three control characters, and no ``` that would close the code block early.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("```", "``\u200b`")


def _excerpt(message: str, max_chars: int) -> tuple[str, str]:
    """(text, note): the report, cut to max_chars with its most useful fields first."""
    if len(message) <= max_chars:
        return message, ""
    try:
        data = json.loads(message)
    except ValueError:
        data = None
    text = message
    if isinstance(data, dict):
        keys = [k for k in _PRIORITY if k in data] + sorted(k for k in data if k not in _PRIORITY and k != "stack")
        keys += ["stack"] if "stack" in data else []
        text = json.dumps({k: data[k] for k in keys}, indent=2, default=str)
    cut = text[:max_chars]  # before escaping &<>, so the posted text may be a little longer
    if "\n" in cut[max_chars // 2:]:
        cut = cut[:cut.rindex("\n")]
    note = f"_Report truncated: {len(cut)} of {len(text)} characters shown, most useful fields first._"
    return cut, note


class SlackReporter:
    """Post each crash report to a Slack incoming webhook."""

    def __init__(self, webhook_url: str, channel: str | None = None, username: str | None = None,
                 timeout: float = 5, max_chars: int = 3500) -> None:
        parts = urlsplit(webhook_url) if isinstance(webhook_url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            shown = f" {webhook_url!r}" if isinstance(webhook_url, str) and _ENV_NAME.match(webhook_url) else ""
            hint = " (if it names an environment variable, list it in env_secrets)" if shown else ""
            raise ValueError(f"webhook_url{shown} is not an http(s) URL like "
                             f"https://hooks.slack.com/services/T.../B.../...{hint}")
        if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 200:
            raise ValueError(f"max_chars must be an integer of at least 200, got {max_chars!r}")
        self.webhook_url = webhook_url
        self.host = parts.hostname
        self._secret_parts = [p for p in (webhook_url, parts.path, parts.query) if len(p) > 1]
        self.channel = channel
        self.username = username
        self.timeout = _positive_number(timeout, "timeout")
        self.max_chars = max_chars

    def __repr__(self) -> str:  # never the URL: its path is the credential
        return f"SlackReporter(host={self.host!r}, channel={self.channel!r})"

    def payload(self, title: str, message: str) -> dict[str, str]:
        """The JSON posted to the webhook: the title in bold and the report (cut to ``max_chars``) in a code block."""
        excerpt, note = _excerpt(message, self.max_chars)
        text = f"*{_slack_escape(title)}*\n```\n{_slack_escape(excerpt)}\n```"
        if note:
            text += f"\n{note}"
        payload = {"text": text}
        if self.channel:
            payload["channel"] = self.channel
        if self.username:
            payload["username"] = self.username
        return payload

    def _scrub(self, text: str) -> str:
        for part in self._secret_parts:
            text = text.replace(part, "/****")
        return text

    def __call__(self, title: str, message: str) -> None:
        where = f"the Slack webhook at {self.host}"
        try:
            r = requests.post(self.webhook_url, json=self.payload(title, message),
                              timeout=(self.timeout, self.timeout), allow_redirects=False)
        except requests.Timeout:
            raise SlackReporterError(f"{where} did not answer within {self.timeout}s") from None
        except requests.RequestException as e:
            raise SlackReporterError(f"cannot reach {where}: {self._scrub(_reason(e))}") from None
        if not 200 <= r.status_code < 300:
            hint = {400: "Slack rejected the message", 403: "the webhook is not allowed to post",
                    404: "the webhook URL is wrong or revoked: create a new one",
                    410: "the channel was archived", 429: "rate-limited by Slack"}.get(r.status_code, "")
            body = self._scrub(r.text[:200].strip())
            raise SlackReporterError(f"{where} answered HTTP {r.status_code} {body!r}" + (f": {hint}" if hint else ""))


def _reason(e: Exception) -> str:
    """The useful end of a requests error ("Failed to establish a new connection: ... refused")."""
    reason = getattr(e.args[0], "reason", None) if e.args else None  # urllib3's MaxRetryError
    text = str(reason or e)
    return text.split("): ", 1)[1] if "): " in text else text


# -- e-mail ----------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _one_line(text: object, limit: int = 250) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


class EmailReporter:
    """E-mail each crash report: subject = title, body = the JSON report (plain text)."""

    def __init__(self, host: str, port: int | None = None, sender: str | None = None,
                 recipients: str | Sequence[str] | None = None, username: str | None = None,
                 password: str | None = None, starttls: bool = False, ssl: bool = False, timeout: float = 10,
                 cafile: str | None = None) -> None:
        if not host or not isinstance(host, str):
            raise ValueError(f"host must be the SMTP server's name, got {host!r}")
        if not isinstance(sender, str) or "@" not in sender:
            raise ValueError(f"sender (from) must be an e-mail address, got {sender!r}")
        if isinstance(recipients, str):
            recipients = [recipients]
        if not recipients or not all(isinstance(r, str) and "@" in r for r in recipients):
            raise ValueError(f"recipients (to) must be one or more e-mail addresses, got {recipients!r}")
        if starttls and ssl:
            raise ValueError("choose starttls (upgrade a plain connection, usually port 587) or ssl "
                             "(implicit TLS, usually port 465), not both")
        if bool(username) != bool(password):
            raise ValueError("username and password go together: give both to log in, or neither")
        port = port if port is not None else (465 if ssl else 25)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise ValueError(f"port must be a port number (25, 465, 587...), got {port!r}")
        if cafile is not None and not os.path.isfile(cafile):
            raise ValueError(f"cafile {cafile!r}: no such file (a PEM file of the CA certificates to trust)")
        self.host, self.port, self.sender, self.recipients = host, port, sender, list(recipients)
        self.username, self._password = username, password
        self.starttls, self.ssl, self.cafile = bool(starttls), bool(ssl), cafile
        self.timeout = _positive_number(timeout, "timeout")
        if password and not (starttls or ssl) and not _is_loopback(host):
            log.warning("%r sends the SMTP password unencrypted: set starttls (or ssl)", self)

    def __repr__(self) -> str:
        return f"EmailReporter(host={self.host!r}, port={self.port}, to={self.recipients!r})"

    def build_message(self, title: str, message: str) -> EmailMessage:
        """The e-mail of one report: subject the title (one line), plain-text body the report."""
        msg = EmailMessage()
        msg["Subject"] = _one_line(title)
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[1])
        msg.set_content(message)
        return msg

    def _connect(self):
        context = _ssl.create_default_context(cafile=self.cafile) if (self.ssl or self.starttls) else None
        if self.ssl:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context), context
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout), context

    def __call__(self, title: str, message: str) -> None:
        where = f"SMTP server {self.host}:{self.port}"
        msg = self.build_message(title, message)
        try:
            smtp, context = self._connect()
            with smtp:
                if self.starttls:
                    smtp.starttls(context=context)
                if self.username:
                    smtp.login(self.username, self._password)
                refused = smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError as e:
            raise EmailReporterError(f"{where} refused the login of {self.username!r} ({e.smtp_code} "
                                     f"{_text(e.smtp_error)}): check the username and password") from None
        except smtplib.SMTPNotSupportedError as e:
            raise EmailReporterError(f"{where}: {e} (servers often offer AUTH only after STARTTLS: "
                                     "set starttls)") from None
        except smtplib.SMTPRecipientsRefused as e:
            raise EmailReporterError(f"{where} refused every recipient: {_refusals(e.recipients)}") from None
        except smtplib.SMTPResponseException as e:
            raise EmailReporterError(f"{where} answered {e.smtp_code} {_text(e.smtp_error)}") from None
        except _ssl.SSLCertVerificationError as e:
            raise EmailReporterError(f"TLS with {where} failed: {e.verify_message}; if it uses a private CA, "
                                     "set cafile to that CA's PEM file") from None
        except (TimeoutError, smtplib.SMTPServerDisconnected) as e:
            timed_out = isinstance(e, TimeoutError) or isinstance(e.__context__, TimeoutError)  # smtplib wraps it
            detail = f"did not answer within {self.timeout}s" if timed_out else f"hung up: {e}"
            raise EmailReporterError(f"{where} {detail}") from None
        except (OSError, smtplib.SMTPException) as e:
            raise EmailReporterError(f"cannot send through {where}: {getattr(e, 'strerror', None) or e}") from None
        if refused:
            raise EmailReporterError(f"{where} refused some recipients (the others got the report): "
                                     f"{_refusals(refused)}")


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _refusals(recipients: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{addr} ({code} {_text(text)})" for addr, (code, text) in recipients.items())


# -- several at once ---------------------------------------------------------------


class FanOutReporter:
    """Send each report through every reporter; a failure never stops the others."""

    def __init__(self, reporters: Iterable[Callable[[str, str], object]]) -> None:
        self.reporters = list(reporters)
        if not self.reporters or not all(callable(r) for r in self.reporters):
            raise ValueError(f"FanOutReporter needs a list of reporter(title, message) callables, got {reporters!r}")

    def __repr__(self) -> str:
        return f"FanOutReporter({self.reporters!r})"

    def __call__(self, title: str, message: str) -> None:
        errors: list[tuple[Callable[[str, str], object], Exception]] = []
        for reporter in self.reporters:
            try:
                reporter(title, message)
            except Exception as e:
                errors.append((reporter, e))
        if errors:
            details = "; ".join(f"{_name(r)}: {e}" for r, e in errors)
            raise FanOutReporterError(f"{len(errors)} of {len(self.reporters)} crash reporters failed: {details}",
                                      errors)


def _name(reporter: object) -> str:
    return getattr(reporter, "__name__", None) or repr(reporter)


# -- pym-config.yaml ---------------------------------------------------------------


def reporter_from_config(config: PyMacaronConfig | None = None) -> Callable[[str, str], object] | None:
    """The reporter that ``crash_reports`` in pym-config.yaml describes (see above), or None.

    ``config`` defaults to :func:`pymacaron.config.get_config`. Raises ConfigError, naming the
    key and the fix, when the section is invalid.
    """
    from pymacaron.crash.reporter_config import build_reporter

    return build_reporter(config)
