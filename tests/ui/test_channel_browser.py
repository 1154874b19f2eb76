"""The consultation channel in headless Chromium: a citizen is offered the message form beside an
answer the notice cannot give, leaves a message, gets a query code and reads the reply with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import LiveApp, staff_sign_in
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


def leave_message(
    driver: Any, url: str, screenshot_dir: Path | None = None, more: str = " 我是集成电路方向的。"
) -> str:
    """Ask what the notice does not say, take the offered form, add ``more`` to the question (the
    same message twice from one client is a duplicate), submit it; the query code."""
    from selenium.webdriver.common.by import By

    _open(driver, url)
    _ask(driver, UNSTATED)
    _wait_text(driver, "#pa-chatbot", "没有写明")
    question = _wait(driver, "#pa-leave-question textarea")  # the form opened by itself
    _wait_text(driver, "#pa-leave", "政策文件名称")
    assert _value(driver, "#pa-leave-question textarea") == UNSTATED
    assert "上海市加快数字技术技能人才培育" in _value(driver, "#pa-leave-doc input")
    question.send_keys(more)
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


OPERATOR = "op-browser"
OPERATOR_PASSWORD = "op-browser-password-1"
REVIEWER = "rv-browser"
REVIEWER_PASSWORD = "rv-browser-password-1"


def test_message_reply_loop(browser: Any, live_app: LiveApp, screenshot_dir: Path) -> None:
    """A citizen leaves a message → an operator signs in, opens it with the assistant's draft and
    replies citing the article and an external source (and may not publish it) → a reviewer
    publishes it → the citizen reads the reply by code → a second citizen asking in other words
    sees the reviewed answer beside the article."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from channel.passwords import hash_password
    from channel.service import code_hash, normalize_code
    from channel.store import ChannelStore

    store = ChannelStore(live_app.settings.resolved_log_url)
    if store.user(OPERATOR) is None:
        store.add_user(OPERATOR, hash_password(OPERATOR_PASSWORD), "operator")
        store.add_user(REVIEWER, hash_password(REVIEWER_PASSWORD), "reviewer")
    code = leave_message(browser, live_app.url, more=" 我做芯片设计。")
    message = store.message_by_code(code_hash(normalize_code(code)))
    assert message is not None and message.contact == "13812345678"

    # the console without signing in: the sign-in form; a wrong password: refused
    browser.get(live_app.url + "/staff/logout")
    browser.get(live_app.url + "/staff/")
    _wait(browser, "#pa-login")
    staff_sign_in(browser, live_app.url, OPERATOR, "not-the-password")
    assert "用户名或密码不正确" in _wait(browser, "#pa-login-error").text

    staff_sign_in(browser, live_app.url, OPERATOR, OPERATOR_PASSWORD)
    tab = (By.XPATH, "//button[@role='tab' and contains(., '留言处理')]")
    WebDriverWait(browser, 60).until(ec.element_to_be_clickable(tab)).click()
    _wait_text(browser, "#pa-msg-table", "职业技能提升补贴怎么申请")
    assert "13812345678" not in browser.find_element(By.ID, "pa-msg-table").text  # masked in the queue
    assert "待处理" in browser.find_element(By.ID, "pa-msg-counts").text
    browser.save_screenshot(str(screenshot_dir / "messages-queue-desktop.png"))
    number = browser.find_element(By.CSS_SELECTOR, "#pa-msg-id input")
    number.clear()
    number.send_keys(str(message.id))
    browser.find_element(By.ID, "pa-msg-open").click()
    _wait_text(browser, "#pa-msg-view", "13812345678")  # the contact, for the operator who answers
    WebDriverWait(browser, 60).until(
        ec.text_to_be_present_in_element_value((By.CSS_SELECTOR, "#pa-reply-text textarea"), "（十三）")
    )
    cites = browser.find_element(By.ID, "pa-reply-cites").text
    assert "（十三）" in cites
    for css, value in (
        ("#pa-src-title textarea", "上海市职业技能提升补贴目录"),
        ("#pa-src-issuer textarea", "上海市人力资源和社会保障局"),
        ("#pa-src-ref textarea", "https://rsj.sh.gov.cn/"),
        ("#pa-src-date textarea", "2024-03-01"),
    ):
        browser.find_element(By.CSS_SELECTOR, css).send_keys(value)
    browser.save_screenshot(str(screenshot_dir / "messages-open-desktop.png"))
    send = browser.find_element(By.ID, "pa-reply-send")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", send)
    send.click()
    _wait_text(browser, "#pa-reply-result", "已答复")
    browser.set_window_size(390, 844)
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 400, f"staff page scrolls sideways at phone width ({width}px)"
    browser.execute_script("document.getElementById('pa-msg-view').scrollIntoView()")
    browser.save_screenshot(str(screenshot_dir / "messages-phone.png"))
    # an operator may not publish a reviewed answer
    _expand(browser, "pa-publish")
    _wait(browser, "#pa-publish-phrasings textarea").send_keys("职业技能提升补贴标准是多少")
    browser.find_element(By.ID, "pa-publish-submit").click()
    _wait_text(browser, "#pa-publish-result", "没有权限")
    browser.get(live_app.url + "/staff/logout")

    # a reviewer publishes the reply as a reviewed answer, with another phrasing
    staff_sign_in(browser, live_app.url, REVIEWER, REVIEWER_PASSWORD)
    WebDriverWait(browser, 60).until(ec.element_to_be_clickable(tab)).click()
    number = _wait(browser, "#pa-msg-id input")
    number.clear()
    number.send_keys(str(message.id))
    browser.find_element(By.ID, "pa-msg-open").click()
    _wait_text(browser, "#pa-msg-view", "已答复")
    _expand(browser, "pa-publish")
    _wait(browser, "#pa-publish-question textarea").send_keys("职业技能提升补贴怎么申请？能拿多少钱？")
    browser.find_element(By.CSS_SELECTOR, "#pa-publish-phrasings textarea").send_keys(
        "职业技能提升补贴标准是多少"
    )
    browser.find_element(By.ID, "pa-publish-submit").click()
    _wait_text(browser, "#pa-publish-result", "已发布为人工审核答复")
    browser.get(live_app.url + "/staff/logout")

    _open(browser, live_app.url)
    shown = read_reply(browser, code, "已答复")
    assert (
        "上海市职业技能提升补贴目录" in shown
        and "上海市人力资源和社会保障局" in shown
        and "2024-03-01" in shown
    )
    assert "第（十三）条" in shown and OPERATOR not in shown
    # both sentences of the draft's article are cited, each once
    assert shown.count("对劳动者参加数字职业技能等级认定") == 2  # in the reply text and in 依据条款
    assert shown.count("对获得集成电路、人工智能等纳入本市急需紧缺职业") == 2
    browser.execute_script("document.getElementById('pa-lookup').scrollIntoView()")
    browser.save_screenshot(str(screenshot_dir / "channel-reply-desktop.png"))

    # a second citizen, asking in other words, sees the reviewed answer beside the article
    _open(browser, live_app.url)
    _ask(browser, "职业技能提升补贴的标准是多少钱？")
    _wait(browser, "#pa-chatbot details.pa-chip summary")
    _wait_text(browser, "#pa-reviewed", "人工审核答复")
    beside = browser.find_element(By.ID, "pa-reviewed").text
    assert "上海市职业技能提升补贴目录" in beside and "以文件原文为准" in beside and REVIEWER not in beside
    assert "芯片设计" not in beside  # published under the reviewer's wording of the question
    assert "（十三）" in browser.find_element(By.ID, "pa-chatbot").text  # the article is still cited
    browser.execute_script("document.getElementById('pa-reviewed').scrollIntoView()")
    browser.save_screenshot(str(screenshot_dir / "reviewed-desktop.png"))
    browser.set_window_size(390, 844)
    browser.execute_script("document.getElementById('pa-reviewed').scrollIntoView()")
    browser.save_screenshot(str(screenshot_dir / "reviewed-phone.png"))
    actions = [(e.actor, e.action) for e in store.audit_events(50)]
    assert (OPERATOR, "login.refused") in actions and (OPERATOR, "message.reply") in actions
    assert (OPERATOR, "denied") in actions and (REVIEWER, "reviewed.publish") in actions
    store.close()
