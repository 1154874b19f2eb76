"""The consultation channel in headless Chromium: a citizen is offered the message form beside an
answer the notice cannot give, leaves a message, gets a query code and reads the reply with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import LiveApp
from tests.ui.test_browser import _ask, _open, _wait, _wait_text

pytestmark = pytest.mark.slow

UNSTATED = "职业技能提升补贴怎么申请？能拿多少钱？"


def _value(driver: Any, css: str) -> str:
    return str(driver.find_element("css selector", css).get_attribute("value"))


def _expand(driver: Any, accordion: str) -> None:
    from selenium.webdriver.common.by import By

    head = driver.find_element(By.CSS_SELECTOR, f"#{accordion} .label-wrap")
    if "open" not in (head.get_attribute("class") or ""):
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", head)
        head.click()


def leave_message(driver: Any, url: str, screenshot_dir: Path | None = None) -> str:
    """Ask what the notice does not say, take the offered form, submit it; the query code."""
    from selenium.webdriver.common.by import By

    _open(driver, url)
    _ask(driver, UNSTATED)
    _wait_text(driver, "#pa-chatbot", "没有写明")
    question = _wait(driver, "#pa-leave-question textarea")  # the form opened by itself
    _wait_text(driver, "#pa-leave", "政策文件名称")
    assert _value(driver, "#pa-leave-question textarea") == UNSTATED
    assert "上海市加快数字技术技能人才培育" in _value(driver, "#pa-leave-doc input")
    question.send_keys(" 我是集成电路方向的。")
    driver.find_element(By.CSS_SELECTOR, "#pa-leave-contact textarea").send_keys("13812345678")
    submit = driver.find_element(By.ID, "pa-leave-submit")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", submit)
    submit.click()
    code = _wait(driver, "#pa-leave-code").text.strip()
    assert len(code) == 19
    if screenshot_dir is not None:
        driver.save_screenshot(str(screenshot_dir / "channel-leave-desktop.png"))
    return code


def read_reply(driver: Any, code: str, expect: str) -> str:
    from selenium.webdriver.common.by import By

    _expand(driver, "pa-lookup")
    box = _wait(driver, "#pa-lookup-code textarea")
    box.clear()
    box.send_keys(code)
    driver.find_element(By.ID, "pa-lookup-submit").click()
    _wait_text(driver, "#pa-lookup-result", expect)
    return str(driver.find_element(By.ID, "pa-lookup-result").text)


def test_citizen_leaves_a_message_and_reads_its_status(
    browser: Any, live_app: LiveApp, screenshot_dir: Path
) -> None:
    code = leave_message(browser, live_app.url, screenshot_dir)
    shown = read_reply(browser, code, "待处理")
    assert "13812345678" not in shown and "尚未答复" in shown
    assert "没有找到这个查询码" in read_reply(browser, "ABCD-EFGH-JKMN-PQRS", "没有找到这个查询码")
    read_reply(browser, code, "待处理")
    browser.save_screenshot(str(screenshot_dir / "channel-lookup-desktop.png"))
    browser.set_window_size(390, 844)
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 400, f"page scrolls sideways at phone width ({width}px)"
    browser.execute_script("document.getElementById('pa-leave').scrollIntoView()")
    browser.save_screenshot(str(screenshot_dir / "channel-phone.png"))
