"""The staff pages' 审核答复 and 管理 tabs in headless Chromium: a reviewer edits a reviewed answer
(a refused edit keeps what was typed), imports an FAQ file with a bad row (named by its line,
returned as a file) and withdraws the answer; an operator is refused; an admin manages users
and reads the audit trail. Screenshots at desktop and phone width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from channel.passwords import hash_password
from channel.store import ChannelStore
from tests.ui.conftest import ADMIN_TOKEN, LiveApp, staff_sign_in
from tests.ui.test_browser import _wait, _wait_text

pytestmark = pytest.mark.slow

REVIEWER, OPERATOR, ADMIN = "rv-pages", "op-pages", "ad-pages"
PASSWORD = "pages-test-password-1"
QUESTION = "数字技能大师工作室有建设经费吗？"


@pytest.fixture(scope="module")
def reviewed_id(live_app: LiveApp) -> int:
    """Three staff accounts and one reviewed answer, made through the staff API."""
    store = ChannelStore(live_app.settings.resolved_log_url)
    for name, role in ((REVIEWER, "reviewer"), (OPERATOR, "operator"), (ADMIN, "admin")):
        if store.user(name) is None:
            store.add_user(name, hash_password(PASSWORD), role)
    store.close()
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}", "X-Forwarded-For": "10.9.0.1"}
    with httpx.Client(base_url=live_app.url, timeout=60) as http:
        left = http.post("/api/messages", json={"document": "sh-digital-talent-2024", "question": QUESTION})
        assert left.status_code == 201, left.text
        queue = http.get("/api/staff/messages", params={"status": "new"}, headers=admin).json()
        [message] = [m for m in queue["messages"] if m["question"] == QUESTION]
        source = {
            "title": "技能大师工作室管理办法",
            "issuer": "上海市人力资源和社会保障局",
            "reference": "沪人社规〔2023〕12号",
            "date": "2023-06-01",
        }
        reply = {"text": "建设经费按市人社局2023年办法执行。", "sources": [source]}
        assert (
            http.post(f"/api/staff/messages/{message['id']}/reply", json=reply, headers=admin).status_code
            == 200
        )
        published = http.post(f"/api/staff/messages/{message['id']}/publish", json={}, headers=admin)
        assert published.status_code == 201, published.text
        return int(published.json()["id"])


def _tabs(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    _wait(driver, "button[role='tab']")
    return [t.text for t in driver.find_elements(By.CSS_SELECTOR, "button[role='tab']") if t.is_displayed()]


def _click(driver: Any, element_id: str) -> None:
    from selenium.webdriver.common.by import By

    button = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()


def _type(driver: Any, css: str, text: str) -> None:
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.CSS_SELECTOR, css)
    box.clear()
    box.send_keys(text)


def _open_reviewed(driver: Any, answer_id: int) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    _wait_text(driver, "#pa-rev-table", QUESTION)
    _type(driver, "#pa-rev-id input", str(answer_id))
    _click(driver, "pa-rev-open")
    box = _wait(driver, "#pa-rev-answer textarea")
    WebDriverWait(driver, 30).until(lambda d: "2023" in (box.get_attribute("value") or ""))


def _full_page(driver: Any, path: Path, width: int) -> None:
    driver.set_window_size(width, 900)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(int(height) + 100, 7000))
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(path))
    driver.set_window_size(width, 900)


def test_reviewer_edits_imports_and_withdraws(
    browser: Any, live_app: LiveApp, reviewed_id: int, screenshot_dir: Path, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 1000)
    staff_sign_in(browser, live_app.url, REVIEWER, PASSWORD, tab="审核答复")
    assert "管理" not in _tabs(browser)  # only admins see it
    _open_reviewed(browser, reviewed_id)
    assert "第 1 版 · 发布" in browser.find_element(By.ID, "pa-rev-versions").text
    # a number found nowhere in its sources: refused, and what was typed stays
    _type(browser, "#pa-rev-answer textarea", "每个工作室资助9999元。")
    _click(browser, "pa-rev-save")
    _wait_text(browser, "#pa-rev-result", "未保存")
    assert "9999" in browser.find_element(By.ID, "pa-rev-result").text
    assert browser.find_element(By.CSS_SELECTOR, "#pa-rev-answer textarea").get_attribute("value") == (
        "每个工作室资助9999元。"
    )
    _type(browser, "#pa-rev-answer textarea", "建设经费按市人社局沪人社规〔2023〕12号执行。")
    browser.find_element(By.CSS_SELECTOR, "#pa-rev-phrasings textarea").send_keys("大师工作室经费")
    _click(browser, "pa-rev-save")
    _wait_text(browser, "#pa-rev-result", "已保存为第 2 版")
    _wait_text(browser, "#pa-rev-versions", f"第 2 版 · 修改 · {REVIEWER}")
    _wait_text(browser, "#pa-rev-table", "大师工作室经费")
    _full_page(browser, screenshot_dir / "reviewed-tab-desktop.png", 1280)

    # FAQ import: one good row, one without any source (line 3); the bad one comes back as a file
    faq = tmp_path / "faq.csv"
    faq.write_text(
        "document,question,answer,articles\n"
        "sh-digital-talent-2024,首席技师工作室在哪一条？,见第（五）条。,（五）\n"
        "sh-digital-talent-2024,没有依据的问题,答复,\n",
        encoding="utf-8",
    )
    head = browser.find_element(By.CSS_SELECTOR, "#pa-import .label-wrap")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", head)
    head.click()
    _wait(browser, "#pa-import-submit")
    browser.find_element(By.CSS_SELECTOR, "#pa-import-file input[type=file]").send_keys(str(faq))
    _wait(browser, "#pa-import-file .file-preview, #pa-import-file table")
    _click(browser, "pa-import-submit")
    _wait_text(browser, "#pa-import-result", "已导入 1 条")
    shown = browser.find_element(By.ID, "pa-import-result").text
    assert "1 行未导入" in shown and "第 3 行：需要注明依据" in shown
    _wait_text(browser, "#pa-import-rejected", "未导入的行")
    link = browser.find_element(By.CSS_SELECTOR, "#pa-import-rejected a")
    rejected = httpx.get(
        str(link.get_attribute("href")), cookies={c["name"]: c["value"] for c in browser.get_cookies()}
    )
    assert rejected.text.splitlines() == [
        "document,question,answer,articles",
        "sh-digital-talent-2024,没有依据的问题,答复,",
    ]
    _wait_text(browser, "#pa-rev-table", "首席技师工作室在哪一条")
    browser.execute_script("document.getElementById('pa-import').scrollIntoView()")
    browser.save_screenshot(str(screenshot_dir / "reviewed-import-desktop.png"))
    # a file that is not UTF-8: a clear message, nothing imported
    gbk = tmp_path / "faq-gbk.csv"
    gbk.write_bytes(
        "document,question,answer,articles\nsh-digital-talent-2024,问题,答复,（五）\n".encode("gbk")
    )
    browser.find_element(
        By.CSS_SELECTOR,
        "#pa-import-file button[aria-label='Clear'], #pa-import-file button.label-clear-button, #pa-import-file .icon-button-wrapper button",
    ).click()
    browser.find_element(By.CSS_SELECTOR, "#pa-import-file input[type=file]").send_keys(str(gbk))
    _wait(browser, "#pa-import-file .file-preview, #pa-import-file table")
    _click(browser, "pa-import-submit")
    _wait_text(browser, "#pa-import-result", "不是 UTF-8 编码（第 2 行起")

    _click(browser, "pa-rev-withdraw")
    _wait_text(browser, "#pa-rev-result", "已撤回")
    _wait_text(browser, "#pa-rev-versions", f"第 3 版 · 撤回 · {REVIEWER}")
    browser.set_window_size(390, 844)
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 400, f"the tab scrolls sideways at phone width ({width}px)"
    _full_page(browser, screenshot_dir / "reviewed-tab-phone.png", 390)


def _user_name_typed(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    field = driver.find_element(By.CSS_SELECTOR, "#pa-user-name textarea, #pa-user-name input")
    return str(field.get_attribute("value"))


def test_operator_is_refused_and_admin_manages_users(
    browser: Any, live_app: LiveApp, reviewed_id: int, screenshot_dir: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(1280, 1000)
    staff_sign_in(browser, live_app.url, OPERATOR, PASSWORD, tab="审核答复")
    assert "管理" not in _tabs(browser)
    _open_reviewed(browser, reviewed_id)
    _click(browser, "pa-rev-save")
    _wait_text(browser, "#pa-rev-result", "没有权限：修改审核答复需要审核员（reviewer）角色")

    staff_sign_in(browser, live_app.url, ADMIN, PASSWORD, tab="管理")
    _wait_text(browser, "#pa-users-table", OPERATOR)
    _type(browser, "#pa-user-name textarea, #pa-user-name input", "op-added")
    _type(browser, "#pa-user-password input", "short")
    _click(browser, "pa-user-add-submit")
    _wait_text(browser, "#pa-user-result", "未添加：密码至少")
    assert _user_name_typed(browser) == "op-added"  # the form keeps what was typed
    _type(browser, "#pa-user-password input", "added-password-1")
    _click(browser, "pa-user-add-submit")
    _wait_text(browser, "#pa-user-result", "已添加用户 op-added")
    assert _user_name_typed(browser) == ""  # ready for the next one
    _wait_text(browser, "#pa-users-table", "op-added")
    who = browser.find_element(By.CSS_SELECTOR, "#pa-user-who input")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", who)
    who.click()
    who.send_keys("op-added")
    who.send_keys(Keys.ENTER)
    _type(browser, "#pa-user-new-password input", "reset-password-2")
    _click(browser, "pa-user-reset")
    _wait_text(browser, "#pa-user-result", "已重设用户 op-added 的密码")
    _click(browser, "pa-user-disable")
    _wait_text(browser, "#pa-user-result", "已停用用户 op-added")
    _wait_text(browser, "#pa-users-table", "已停用")
    _click(browser, "pa-audit-refresh")
    _wait_text(browser, "#pa-audit-table", "停用用户")
    audit = browser.find_element(By.ID, "pa-audit-table").text
    assert "重设密码" in audit and "添加用户" in audit and "用户 op-added" in audit
    assert "越权操作被拒" in audit and "需要审核员权限" in audit and "修改审核答复" in audit
    assert "reset-password-2" not in audit and "added-password-1" not in audit
    _full_page(browser, screenshot_dir / "admin-tab-desktop.png", 1280)
    browser.set_window_size(390, 844)
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 400, f"the tab scrolls sideways at phone width ({width}px)"
    _full_page(browser, screenshot_dir / "admin-tab-phone.png", 390)
