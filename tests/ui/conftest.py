"""Fixtures of the web app tests: a corpus with a hostile document, real servers, a browser."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from corpus.loader import default_corpus_dir

ADMIN_TOKEN = "test-admin-token"
STAFF_USER = "wang"
STAFF_PASSWORD = "staff-test-password"
XSS_DOC = "web-xss-test"
XSS_TEXT = """网页安全测试<script>alert("corpus")</script>管理办法
第一条 为规范<script>alert("corpus")</script>网页安全测试工作，制定本办法。
第二条 参加网页安全测试的单位，可以申请<b>安全测试补贴</b>，补贴标准为每项500元。
第三条 本办法自2025年1月1日起施行，有效期至2025年12月31日。
"""
XSS_META = """id = "web-xss-test"
title = "网页安全测试<script>alert(\\"corpus\\")</script>管理办法"
short_title = "网页安全测试管理办法"
issuer = "测试<i>机关</i>"
issued = 2025-01-01
valid_from = 2025
valid_to = 2025
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def ui_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real notice plus a document whose title and text contain HTML and <script>."""
    folder = tmp_path_factory.mktemp("corpus")
    for path in default_corpus_dir().iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    (folder / f"{XSS_DOC}.txt").write_text(XSS_TEXT, encoding="utf-8")
    (folder / f"{XSS_DOC}.meta.toml").write_text(XSS_META, encoding="utf-8")
    return folder


def make_settings(data_dir: Path, corpus_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "corpus_dir": corpus_dir,
        "embeddings": "hash",
        "llm_base_url": None,
        "llm_api_key": None,
        "log_url": None,
        "chroma_host": None,
        "admin_token": ADMIN_TOKEN,
        "staff_accounts": f"{STAFF_USER}:{STAFF_PASSWORD}",
        "rate_limit_per_minute": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg,arg-type]


class ThreadedServer:
    """A real uvicorn server on 127.0.0.1 in a background thread."""

    def __init__(self, app: object) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # proxy headers off, as `policy-assistant serve` runs it: the app decides whom to believe
        config = uvicorn.Config(
            app,  # type: ignore[arg-type]
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            proxy_headers=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@dataclass
class LiveApp:
    url: str
    settings: Settings
    pipeline: object


@pytest.fixture(scope="session")
def ui_settings(tmp_path_factory: pytest.TempPathFactory, ui_corpus: Path) -> Settings:
    return make_settings(tmp_path_factory.mktemp("data"), ui_corpus)


@pytest.fixture(scope="session")
def ui_pipeline(ui_settings: Settings) -> object:
    from ui.cli.serve_cmd import prepare_pipeline

    return prepare_pipeline(ui_settings)  # builds the (hash-embedded) index: it is missing


@pytest.fixture(scope="session")
def live_app(ui_settings: Settings, ui_pipeline: object) -> Iterator[LiveApp]:
    """The full app (API + gradio page) served once for the session."""
    from ui.app import create_app
    from ui.cli.serve_cmd import rebuild_pipeline

    app = create_app(ui_pipeline, ui_settings, reindex=lambda: rebuild_pipeline(ui_settings))  # type: ignore[arg-type]
    with ThreadedServer(app) as server:
        yield LiveApp(server.url, ui_settings, ui_pipeline)


@pytest.fixture()
def api(live_app: LiveApp) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_app.url, timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("POLICY_UI_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("chromium / chromedriver missing: run scripts/install-system-test-deps.sh")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--lang=en-US",  # the page must be Chinese even for an English browser
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def staff_sign_in(
    driver: Any,
    url: str,
    name: str = STAFF_USER,
    password: str = STAFF_PASSWORD,
    tab: str | None = None,
) -> None:
    """Sign in to the staff pages in a browser — signed out first (a cookie limited to /staff
    may survive an earlier test) — and, with ``tab``, open that tab once it can be clicked."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url + "/staff/logout")
    driver.get(url + "/staff/")
    WebDriverWait(driver, 60).until(ec.visibility_of_element_located((By.ID, "pa-login")))
    driver.find_element(By.ID, "username").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "pa-login-submit").click()
    if tab is not None:
        found = (By.XPATH, f"//button[@role='tab' and contains(., '{tab}')]")
        WebDriverWait(driver, 60).until(ec.element_to_be_clickable(found)).click()
