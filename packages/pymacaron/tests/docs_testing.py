"""Helpers for the docs page tests: a real HTTP server in a thread, and headless Chromium.

Chromium is Debian's (``apt-get install chromium chromium-driver``; .ci/run installs it).
Without it the browser tests skip, except in CI (``$CI`` set) where they fail.
Every browser runs with the internet unreachable (only 127.0.0.1 resolves), so a page
that needed a CDN would not render.
"""

import contextlib
import os
import shutil
import subprocess

import pytest
from pymacaron_unit import LiveServer

BROWSER_TIMEOUT = 60  # seconds, for one chromium run
NO_INTERNET = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


@contextlib.contextmanager
def serve_http(app):
    """Serve ``app`` over real HTTP on 127.0.0.1 (random port); yields the base URL."""
    with LiveServer(app) as server:
        yield server.url


def _missing(what):
    message = f"{what} is not installed (apt-get install -y chromium chromium-driver)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}: CI must run the browser tests")
    pytest.skip(message)


def require_chromium():
    """The Chromium binary, or skip (fail in CI)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        _missing("chromium")
    return path


def chromium_flags(user_data_dir):
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--no-default-browser-check", f"--host-resolver-rules={NO_INTERNET}",
            f"--user-data-dir={user_data_dir}"]


def run_chromium(url, tmp_path, *extra):
    """Run headless Chromium on ``url`` (bounded); returns the CompletedProcess."""
    chromium = require_chromium()
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    cmd = [chromium, *chromium_flags(profile), "--virtual-time-budget=15000", *extra, url]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=BROWSER_TIMEOUT,
                                stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish within {BROWSER_TIMEOUT}s on {url}")
    assert result.returncode == 0, f"chromium failed ({result.returncode}): {result.stderr[-2000:]}"
    return result


@contextlib.contextmanager
def webdriver(tmp_path):
    """A selenium Chrome driver on Debian's chromium and chromedriver (no download)."""
    chromium = require_chromium()
    chromedriver = shutil.which("chromedriver")
    if not chromedriver:
        _missing("chromedriver")
    try:
        from selenium import webdriver as sw
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium (pip install selenium)")
    profile = tmp_path / "chromedriver-profile"
    profile.mkdir(exist_ok=True)
    options = sw.ChromeOptions()
    options.binary_location = chromium
    for flag in chromium_flags(profile):
        options.add_argument(flag)
    options.add_argument("--window-size=1280,1000")
    driver = sw.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.set_page_load_timeout(BROWSER_TIMEOUT)
    driver.set_script_timeout(BROWSER_TIMEOUT)
    try:
        yield driver
    finally:
        driver.quit()
