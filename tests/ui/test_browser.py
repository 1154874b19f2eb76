"""The page in headless Chromium: ask, open a cited article, rate, search the console, XSS, screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import STAFF_PASSWORD, STAFF_USER, LiveApp

pytestmark = pytest.mark.slow

WAIT = 60


def _wait(driver: Any, css: str, timeout: float = WAIT) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def _wait_text(driver: Any, css: str, text: str, timeout: float = WAIT) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))


def _open(driver: Any, url: str) -> None:
    driver.set_window_size(1280, 1000)
    driver.get(url + "/")
    _wait(driver, "#pa-question textarea")
    # Record any alert() instead of blocking on it: an injected script would set the flag.
    driver.execute_script("window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));")


def _ask(driver: Any, question: str) -> None:
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element("css selector", "#pa-question textarea")
    box.clear()
    box.send_keys(question)
    box.send_keys(Keys.ENTER)


def _no_alert(driver: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 - raises when no native alert is open
    assert driver.execute_script("return window.__alerts") == []


def test_chat_citation_article_and_feedback(browser: Any, live_app: LiveApp, screenshot_dir: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, live_app.url)
    page = browser.find_element(By.TAG_NAME, "body").text
    for chinese in (
        "政策咨询助手",
        "发送",
        "示例问题",
        "离线摘录",
        "2024–2026年",
    ):
        assert chinese in page
    for english in ("Type a message", "Chatbot", "Submit", "Examples", "Use via API", "Built with Gradio"):
        assert english not in page
    for staff_only in ("坐席工作台", "最近的咨询记录", "评测"):  # staff pages are behind sign-in
        assert staff_only not in page
    assert browser.title == "政策咨询助手"

    _ask(browser, "职业技能提升补贴怎么申请？")
    chip = _wait(browser, "#pa-chatbot details.pa-chip summary")
    assert "（十三）" in chip.text
    _wait_text(browser, "#pa-chatbot", "职业技能提升补贴")
    chip.click()
    article = _wait(browser, "#pa-chatbot details.pa-chip[open] .pa-article-text")
    assert "落实经费保障" in browser.find_element(By.CSS_SELECTOR, "#pa-chatbot details.pa-chip[open]").text
    assert "职业技能提升补贴" in article.text
    browser.save_screenshot(str(screenshot_dir / "chat-desktop.png"))

    browser.find_element(By.CSS_SELECTOR, "#pa-comment textarea").send_keys("很清楚")
    browser.find_element(By.ID, "pa-up").click()
    _wait_text(browser, "#pa-status", "感谢您的反馈")
    logged = live_app.pipeline.recorder.recent(20)  # type: ignore[attr-defined]
    rated = [t for t in logged if t.feedback and "职业技能提升补贴" in t.question]
    assert rated and rated[0].feedback[-1].rating == 1 and rated[0].feedback[-1].comment == "很清楚"

    browser.set_window_size(390, 844)
    browser.execute_script("window.scrollTo(0, 0)")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 400, f"page scrolls sideways at phone width ({width}px)"
    browser.save_screenshot(str(screenshot_dir / "chat-phone.png"))


def test_xss_question_and_document_render_as_text(browser: Any, live_app: LiveApp) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, live_app.url)
    scope = browser.find_element(By.ID, "pa-scope").text
    assert '<script>alert("corpus")</script>' in scope and "测试<i>机关</i>" in scope
    payload = "<img src=x onerror=alert(1)>"
    _ask(browser, payload)
    _wait_text(browser, "#pa-chatbot", payload)
    assert not browser.find_elements(By.CSS_SELECTOR, "#pa-chatbot img[src='x']")
    _ask(browser, "网页安全测试补贴标准是多少？")
    _wait(browser, "#pa-chatbot details.pa-chip summary")
    assert not browser.find_elements(By.CSS_SELECTOR, "#pa-chatbot b, #pa-chatbot script")
    _no_alert(browser)


def test_console_search_highlights_and_browser(browser: Any, live_app: LiveApp, screenshot_dir: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.delete_all_cookies()
    browser.get(live_app.url + "/staff/")
    _wait(browser, "#pa-login")  # not signed in: the sign-in form, in Chinese
    assert "工作人员登录" in browser.find_element(By.TAG_NAME, "body").text
    browser.find_element(By.ID, "username").send_keys(STAFF_USER)
    browser.find_element(By.ID, "password").send_keys("wrong")
    browser.find_element(By.ID, "pa-login-submit").click()
    assert "用户名或密码不正确" in _wait(browser, "#pa-login-error").text
    browser.find_element(By.ID, "username").send_keys(STAFF_USER)
    browser.find_element(By.ID, "password").send_keys(STAFF_PASSWORD)
    browser.find_element(By.ID, "pa-login-submit").click()
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    tab = (By.XPATH, "//button[@role='tab' and contains(., '坐席工作台')]")
    WebDriverWait(browser, WAIT).until(ec.element_to_be_clickable(tab)).click()
    browser.execute_script("window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));")
    box = _wait(browser, "#pa-search textarea")
    box.send_keys("职业技能提升补贴")
    box.send_keys(Keys.ENTER)
    _wait(browser, "#pa-hits mark")
    marks = [m.get_attribute("textContent") for m in browser.find_elements(By.CSS_SELECTOR, "#pa-hits mark")]
    assert marks and all(m and m in "职业技能提升补贴" for m in marks)
    assert "（十三）" in browser.find_element(By.ID, "pa-hits").text
    assert "检索词" in browser.find_element(By.ID, "pa-reading").text
    # an English question is searched with the notice's Chinese words, and those are marked
    box.clear()
    box.send_keys("vocational skill improvement subsidy")
    box.send_keys(Keys.ENTER)
    _wait_text(browser, "#pa-reading", "英文对照")
    assert "补贴" in [
        m.get_attribute("textContent") for m in browser.find_elements(By.CSS_SELECTOR, "#pa-hits mark")
    ]
    box.clear()
    box.send_keys("职业技能提升补贴")
    browser.find_element(By.ID, "pa-draft-btn").click()

    WebDriverWait(browser, WAIT).until(
        ec.text_to_be_present_in_element_value((By.CSS_SELECTOR, "#pa-draft textarea"), "依据")
    )
    browser.save_screenshot(str(screenshot_dir / "console-desktop.png"))
    _no_alert(browser)
