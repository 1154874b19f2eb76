"""The citizens' page in headless Chromium against the real server: script in a question renders
as text and runs nowhere; the staff pages open only after signing in."""

from __future__ import annotations

from typing import Any

import pytest

from tests.probe.conftest import Served

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

WAIT = 60
PAYLOADS = [
    "<img src=x onerror=alert(1)>补贴",
    "<svg onload=alert(2)>",
    "[点我](javascript:alert(3))",
    '<iframe src="javascript:alert(4)"></iframe>',
    '"><script>alert(5)</script>',
    '<a href="javascript:alert(6)">链接</a>',
    '![x](x" onerror="alert(7))',
    "{{constructor.constructor('alert(8)')()}}",
    "<details open ontoggle=alert(9)>",
    "<style>@import 'http://127.0.0.1:9/x.css';</style>补贴",
]


def _wait(driver: Any, css: str) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def _answered(driver: Any, n: int) -> bool:
    from selenium.webdriver.common.by import By

    bots = driver.find_elements(By.CSS_SELECTOR, "#pa-chatbot .bot-row")
    return len(bots) >= n and bots[-1].text.strip() not in ("", "…")


def test_script_in_questions_runs_nowhere(browser: Any, served: Served) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.set_window_size(1280, 1000)
    browser.get(served.url + "/")
    box = _wait(browser, "#pa-question textarea")
    browser.execute_script("window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));")
    for n, payload in enumerate(PAYLOADS, start=1):
        box.clear()
        box.send_keys(payload)
        box.send_keys(Keys.ENTER)
        # each question gets its whole answer before the next is sent
        WebDriverWait(browser, WAIT).until(lambda d, n=n: _answered(d, n))
    chat = browser.find_element(By.ID, "pa-chatbot")
    assert len(chat.find_elements(By.CSS_SELECTOR, ".user-row")) >= len(PAYLOADS)
    # what the messages render (the chat's own icons and buttons are not message content)
    messages = chat.find_elements(By.CSS_SELECTOR, ".user-row .message-content, .bot-row .message-content")
    assert len(messages) >= len(PAYLOADS)
    hostile = "img[src='x'], svg, iframe, script, a[href^='javascript'], details[ontoggle], style"
    found = [
        e.get_attribute("outerHTML")[:200]
        for m in messages
        for e in m.find_elements(By.CSS_SELECTOR, hostile)
    ]
    assert found == []
    assert "onerror=alert(1)" in chat.text and "alert(5)" in chat.text  # shown as text
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 - raises when no native alert is open
    assert browser.execute_script("return window.__alerts") == []


def test_staff_pages_open_only_after_signing_in(browser: Any, served: Served) -> None:
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(served.url + "/staff/")
    _wait(browser, "#pa-login")
    assert "最近的咨询记录" not in browser.find_element(By.TAG_NAME, "body").text
    browser.get(served.url + "/staff/gradio_api/info")  # a page load of the API: sent to sign in
    assert "工作人员登录" in browser.find_element(By.TAG_NAME, "body").text
