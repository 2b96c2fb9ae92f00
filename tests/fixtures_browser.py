"""Browser-test plumbing: Streamlit as its own process, Debian chromium via Playwright.

``serve`` runs the dashboard over a warehouse with the demo accounts (one per role,
daihou.demo_accounts); the fixtures ``page`` (a zh-CN chromium tab), ``app_url`` (the tiny
bank) and ``demo_url`` (the demo bank) are registered in conftest; ``sign_in`` signs a tab in
(the session cookie then carries it through every ``goto``); ``settle`` waits for a run and its
charts; ``full_screenshot`` saves a page to tests/artifacts/.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest
from playwright.sync_api import Page

from daihou.accounts import Accounts
from daihou.demo_accounts import DEMO_ACCOUNTS, create_demo_accounts
from warehouse.connection import Warehouse

REPO = Path(__file__).resolve().parents[1]
UCI_SOURCE = REPO / "data_sources" / "uci_credit_card" / "UCI_Credit_Card.csv"
ARTIFACTS = Path(__file__).with_name("artifacts")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000
ROW_HEIGHT = 35  # st.dataframe's header and row height in pixels


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(warehouse: Path, log_path: Path, show_demo_logins: bool = False) -> Iterator[str]:
    """Streamlit serving the dashboard over ``warehouse``, with the demo accounts in an
    accounts store beside ``log_path`` (``accounts.db``); stopped on exit."""
    accounts = log_path.with_name("accounts.db")
    with Warehouse(warehouse).connect_read_only() as con:
        create_demo_accounts(Accounts(accounts), con)
    port = free_port()
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "dashboard/app.py",
            "--server.headless", "true",
            "--server.port", str(port),
            "--browser.gatherUsageStats", "false",
        ],
        cwd=REPO,
        env={
            **os.environ,
            "DAIHOU_WAREHOUSE": str(warehouse),
            "DAIHOU_ACCOUNTS": str(accounts),
            "DAIHOU_AUTH__SHOW_DEMO_LOGINS": str(show_demo_logins).lower(),
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_healthy(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def app_url(tiny_bank: Path, tmp_path: Path) -> Iterator[str]:
    with serve(tiny_bank, tmp_path / "streamlit.log") as url:
        yield url


@pytest.fixture
def demo_url(demo_bank, tmp_path: Path) -> Iterator[str]:
    with serve(demo_bank.settings.warehouse_path, tmp_path / "streamlit.log") as url:
        yield url


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


@pytest.fixture
def page() -> Iterator[Page]:
    """A zh-CN page in Debian chromium, 1440 px wide; the browser closes after the test."""
    playwright_sync.expect.set_options(timeout=TIMEOUT_MS)
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1440, "height": 1800}, locale="zh-CN")
            tab.set_default_timeout(TIMEOUT_MS)
            yield tab
        finally:
            browser.close()


def sign_in(page: Page, url: str, username: str = "admin") -> None:
    """Sign the tab in at ``url`` as the demo account ``username`` (its public password)."""
    password = {d.username: d.password for d in DEMO_ACCOUNTS}[username]
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="退出登录").wait_for()


def settle(page: Page) -> None:
    """Wait until the script run is over and every chart has drawn."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS
    )
    page.wait_for_timeout(800)  # plotly draws after the run; no event tells when it is done


def full_screenshot(page: Page, name: str) -> None:
    """Screenshot the whole page: it scrolls inside stMain, which full_page does not see, so
    the window grows to it first."""
    settle(page)
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": max(height, 900)})
    settle(page)
    page.screenshot(path=ARTIFACTS / name, full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1800})
