"""Issue 17 in headless Chromium: escaping in the chat, first-question examples, how to reach a
person, and the 评测 page's empty state, template and chart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import LiveApp, staff_sign_in
from tests.ui.test_browser import _ask, _no_alert, _open, _wait, _wait_text

pytestmark = pytest.mark.slow

QUOTES = """Can foreigners' kids apply? "yes" <b>x</b> 1 < 2 > 0"""


def _bubbles(driver: Any, role: str) -> list[str]:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, f"#pa-chatbot [data-testid='{role}'] .message-content")
    return [e.text for e in found]


def test_chat_shows_quotes_and_angle_brackets_as_typed(browser: Any, live_app: LiveApp) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, live_app.url)
    _ask(browser, QUOTES)
    WebDriverWait(browser, 60).until(lambda d: _bubbles(d, "user"))
    assert _bubbles(browser, "user") == [QUOTES]
    assert not browser.find_elements(By.CSS_SELECTOR, "#pa-chatbot .message-content b")
    # an answer quoting a title with <script> and "…" shows them as text, not as entities
    _ask(browser, "网页安全测试补贴标准是多少？")
    _wait(browser, "#pa-chatbot details.pa-chip summary")
    _wait_text(browser, "#pa-chatbot", "管理办法")
    answers = _bubbles(browser, "bot")
    assert any('<script>alert("corpus")</script>' in a for a in answers), answers
    assert not any("&quot;" in a or "&#x27;" in a or "&lt;" in a for a in answers)
    assert not browser.find_elements(By.CSS_SELECTOR, "#pa-chatbot script, #pa-chatbot b")
    _no_alert(browser)


def test_a_question_typed_while_an_answer_is_shown_is_kept_and_answered(
    browser: Any, live_app: LiveApp
) -> None:
    """The answer appears a sentence at a time; a second question sent meanwhile is neither
    erased from the box nor dropped: it is asked once the first answer is complete."""
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, live_app.url)
    first, second = "职业技能提升补贴怎么申请？", "创业担保贷款有贴息吗？"
    _ask(browser, first)
    WebDriverWait(browser, 60).until(lambda d: _bubbles(d, "user") == [first])
    _ask(browser, second)  # at once: the first answer is still being looked up or shown
    WebDriverWait(browser, 90).until(lambda d: _bubbles(d, "user") == [first, second])
    WebDriverWait(browser, 90).until(lambda d: any("创业担保贷款" in a for a in _bubbles(d, "bot")))
    box = browser.find_element("css selector", "#pa-question textarea")
    assert box.get_attribute("value") == ""
    _no_alert(browser)


#: seconds the server takes before its first update of a question (see the test below)
SLOW_START = 2.5


def test_what_is_typed_before_the_first_update_is_never_lost(
    browser: Any, live_app: LiveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The box empties in the browser the moment a question is sent, not when the server's first
    update arrives: a second question typed and sent before that update is kept in the box and
    asked when the first answer is done, and a draft typed then stays in the box."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from ui.state import AppState

    throttle = AppState.throttle

    def slow_throttle(self: AppState, peer: str | None, headers: dict[str, str]) -> str:
        time.sleep(SLOW_START)  # e.g. a shared rate-limit database that is slow to answer
        return throttle(self, peer, headers)

    monkeypatch.setattr(AppState, "throttle", slow_throttle)
    _open(browser, live_app.url)
    box = browser.find_element(By.CSS_SELECTOR, "#pa-question textarea")
    first, second, draft = "职业技能提升补贴怎么申请？", "创业担保贷款有贴息吗？", "还想问数字技术工程师"

    box.send_keys(first)
    box.send_keys(Keys.ENTER)
    WebDriverWait(browser, 1).until(lambda d: box.get_attribute("value") == "")  # at once
    _ask(browser, second)  # the first is being answered: the second waits, in the box
    assert _bubbles(browser, "user") == [], "the typing was meant to come before the first update"
    assert box.get_attribute("value") == second
    WebDriverWait(browser, 90).until(lambda d: _bubbles(d, "user") == [first, second])
    WebDriverWait(browser, 90).until(lambda d: any("创业担保贷款" in a for a in _bubbles(d, "bot")))
    assert not any("问题是空的" in a for a in _bubbles(browser, "bot"))
    assert box.get_attribute("value") == ""

    # a draft typed while the next question's first update is on its way stays where it was typed
    _wait(browser, "#pa-chatbot details.pa-chip summary")
    chips = len(browser.find_elements(By.CSS_SELECTOR, "#pa-chatbot details.pa-chip"))
    box.send_keys("这个方案的有效期到什么时候？")
    box.send_keys(Keys.ENTER)
    box.send_keys(draft)
    assert len(_bubbles(browser, "user")) == 2, "the draft was meant to come before the first update"
    WebDriverWait(browser, 90).until(lambda d: len(_bubbles(d, "user")) == 3)
    WebDriverWait(browser, 90).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#pa-chatbot details.pa-chip")) > chips
    )
    time.sleep(0.5)  # the follow-up events after the answer
    assert box.get_attribute("value") == draft
    _no_alert(browser)


def _example_texts(driver: Any, css: str) -> list[str]:
    """The visible example buttons' texts ([] while the row is being replaced)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        return [
            e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR, f"{css} button") if e.is_displayed()
        ]
    except StaleElementReferenceException:
        return []


def _shown(driver: Any, element_id: str) -> bool:
    """Displayed (gradio 6 leaves an invisible component out of the page altogether; one that
    goes while it is looked at is not shown)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        return any(e.is_displayed() for e in driver.find_elements(By.ID, element_id))
    except StaleElementReferenceException:
        return False


def test_first_examples_stand_alone_follow_ups_come_with_a_conversation(
    browser: Any, live_app: LiveApp
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from ui.pages.chat import EXAMPLES, FOLLOW_UP_EXAMPLES

    _open(browser, live_app.url)
    first = _example_texts(browser, "#pa-examples")
    assert first == EXAMPLES
    assert "那需要什么条件？" not in first
    assert not any(text.startswith(("那", "那么", "这个条件", "它")) for text in first)
    assert not _shown(browser, "pa-followups")

    _ask(browser, "职业技能提升补贴怎么申请？")
    _wait(browser, "#pa-chatbot details.pa-chip summary")
    WebDriverWait(browser, 30).until(lambda d: _example_texts(d, "#pa-followups") == FOLLOW_UP_EXAMPLES)
    follow_up = browser.find_element(By.CSS_SELECTOR, "#pa-followups button")
    follow_up.click()  # fills the box; asked in the conversation's context
    box = browser.find_element(By.CSS_SELECTOR, "#pa-question textarea")
    assert box.get_attribute("value") == FOLLOW_UP_EXAMPLES[0]

    browser.find_element(By.ID, "pa-clear").click()
    WebDriverWait(browser, 30).until(lambda d: not _shown(d, "pa-followups"))
    assert _example_texts(browser, "#pa-examples") == EXAMPLES


def _in_viewport(driver: Any, element: Any) -> bool:
    top, bottom, height = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight];",
        element,
    )
    return bool(top >= 0 and bottom <= height)


def test_contact_and_source_visible_without_scrolling(browser: Any, live_app: LiveApp) -> None:
    from selenium.webdriver.common.by import By

    browser.set_window_size(1366, 900)
    browser.get(live_app.url + "/")
    _wait(browser, "#pa-question textarea")
    contacts = browser.find_elements(By.CSS_SELECTOR, "#pa-scope .pa-contact")
    notice = next(c for c in contacts if "12333" in c.text)
    assert "上海市人力资源和社会保障局（12333 上海人社服务热线）" in notice.text
    assert _in_viewport(browser, notice), "the hotline is below the fold at 1366×900"
    link = notice.find_element(By.CSS_SELECTOR, "a.pa-source")
    assert link.get_attribute("href") == "https://rsj.sh.gov.cn/"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert _in_viewport(browser, link)
    # a document without a source in its metadata gets its issuer, and no invented link
    hostile = next(c for c in contacts if "机关" in c.text)
    assert not hostile.find_elements(By.TAG_NAME, "a") and not hostile.find_elements(By.TAG_NAME, "i")


def test_source_link_only_for_http_addresses() -> None:
    from ui.render import source_link

    assert "href='https://rsj.sh.gov.cn/'" in source_link("https://rsj.sh.gov.cn/")
    assert ">rsj.sh.gov.cn<" in source_link("https://rsj.sh.gov.cn/")
    for bad in ("javascript:alert(1)", "", "rsj.sh.gov.cn", "data:text/html,x", "https://"):
        assert source_link(bad) == ""
    assert "&#x27;" in source_link("https://example.org/a'b")


def _eval_tab(driver: Any, url: str) -> None:
    driver.set_window_size(1366, 900)
    driver.delete_all_cookies()
    staff_sign_in(driver, url, tab="评测")
    _wait(driver, "#pa-eval-run")


def _download(driver: Any, button: Any, folder: Path, name: str, timeout: float = 30) -> Path:
    """Click a download button in headless Chromium and wait for the file in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    button.click()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.glob(name) if not p.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"nothing downloaded: {sorted(p.name for p in folder.iterdir())}")


@pytest.fixture()
def eval_tab(browser: Any, live_app: LiveApp) -> Iterator[Any]:
    """The 评测 tab, signed in; signed out afterwards (the session cookie is limited to /staff,
    so a later test's delete_all_cookies() on another page would not remove it)."""
    _eval_tab(browser, live_app.url)
    try:
        yield browser
    finally:
        browser.get(live_app.url + "/staff/logout")
        _wait(browser, "#pa-login")


def test_eval_page_empty_state_template_and_grouped_chart(
    eval_tab: Any, tmp_path: Path, screenshot_dir: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from evals.metrics import METRIC_LABELS
    from evals.qa_file import load_qa_file
    from ui.pages.evaluation import CHART_METRICS

    browser = eval_tab
    # before a run: Chinese headers and the metric names, a message saying what to do
    headers = [h.text.strip() for h in browser.find_elements(By.CSS_SELECTOR, "#pa-eval-metrics th")]
    assert headers and headers[0] == "指标", headers
    assert not {"1", "2", "3"} & set(headers)
    assert "命中@1" in browser.find_element(By.ID, "pa-eval-metrics").text
    assert "尚未运行评测" in browser.find_element(By.ID, "pa-eval-status").text
    browser.save_screenshot(str(screenshot_dir / "eval-desktop-empty.png"))

    # the template comes from the app and is a QA set the evaluator reads without problems
    template = _download(browser, _wait(browser, "#pa-eval-template"), tmp_path / "dl", "*.jsonl")
    qa_set = load_qa_file(template)
    assert qa_set.problems == () and len(qa_set.items) >= 2
    assert {i.type for i in qa_set.items} >= {"out_of_scope"}

    browser.find_element(By.ID, "pa-eval-run").click()  # no file yet
    _wait_text(browser, "#pa-eval-status", "请先上传")
    browser.find_element(By.CSS_SELECTOR, "#pa-eval-file input[type=file]").send_keys(str(template))
    WebDriverWait(browser, 30).until(lambda d: "请先上传" not in d.find_element(By.ID, "pa-eval-status").text)
    assert template.name in browser.find_element(By.ID, "pa-eval-status").text

    browser.find_element(By.ID, "pa-eval-run").click()
    WebDriverWait(browser, 120).until(ec.text_to_be_present_in_element((By.ID, "pa-eval-status"), "评测完成"))
    _wait(browser, "#pa-eval-chart .js-plotly-plot")
    traces, layout = browser.execute_script(
        "const p = document.querySelector('#pa-eval-chart .js-plotly-plot');"
        "return [p.data.map(t => ({name: t.name, type: t.type, y: t.y})), p.layout];"
    )
    assert [t["name"] for t in traces] == [METRIC_LABELS[m] for m in CHART_METRICS]
    assert all(t["type"] == "bar" for t in traces)
    assert layout["barmode"] == "group"  # side by side, not stacked
    assert layout["yaxis"]["range"][1] > 1  # a bar at 100% is not cut
    shown = browser.find_elements(By.CSS_SELECTOR, "#pa-eval-chart g.trace.bars")
    assert len(shown) == len(CHART_METRICS)
    headers = [h.text.strip() for h in browser.find_elements(By.CSS_SELECTOR, "#pa-eval-metrics th")]
    assert headers[:2] == ["指标", "总体"]
    browser.execute_script("document.querySelector('#pa-eval-chart').scrollIntoView()")
    browser.save_screenshot(str(screenshot_dir / "eval-desktop-chart.png"))

    # at phone width the tables become cards: every row, every column named, nothing sideways
    browser.set_window_size(390, 844)
    WebDriverWait(browser, 10).until(
        lambda d: (
            d.find_element(By.ID, "pa-eval-table-cards").is_displayed()
            and not d.find_element(By.ID, "pa-eval-table").is_displayed()
        )
    )
    cards = browser.find_elements(By.CSS_SELECTOR, "#pa-eval-table-cards .pa-card")
    assert len(cards) == len(qa_set.items)
    assert "问题" in cards[0].text and "通过" in cards[0].text and "回答" in cards[0].text
    metrics = browser.find_element(By.ID, "pa-eval-metrics-cards").text
    assert "命中@1" in metrics and "总体" in metrics
    width = browser.execute_script("return innerWidth")
    for scroll, client, right in browser.execute_script(
        "return [...document.querySelectorAll('.pa-cards .pa-card')]"
        ".filter(c => c.offsetParent).map(c => [c.scrollWidth, c.clientWidth, c.getBoundingClientRect().right])"
    ):
        assert scroll <= client and right <= width
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    browser.execute_script("document.getElementById('pa-eval-metrics-cards').scrollIntoView()")
    browser.save_screenshot(str(screenshot_dir / "eval-phone-cards.png"))
    browser.set_window_size(1366, 900)
