"""Issue 17 in headless Chromium at desktop (1366×900) and phone (390×844) size, on an app serving
the notice alone (as in production): what must be in view without scrolling, boxes that must not
overlap, the answer streaming in, every quote marked, the console's draft first, the run
comparison's chart. Screenshots of each page at both sizes go to the screenshot folder."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from corpus.loader import default_corpus_dir
from tests.ui.conftest import LiveApp, ThreadedServer, make_settings, staff_sign_in
from tests.ui.test_browser import _ask, _wait, _wait_text

pytestmark = pytest.mark.slow

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
TITLE = "《上海市加快数字技术技能人才培育支撑数字经济发展实施方案(2024-2026年)》"


def _fake_run(folder: Path, name: str, hit: float, ok: dict[str, bool]) -> None:
    """A stored run as the page writes it (metrics.json and results.jsonl are what compare reads)."""
    run = folder / name
    run.mkdir(parents=True)
    metrics = {
        "n": 2,
        "hit_at_1": hit,
        "hit_at_3": 1.0,
        "mrr": hit,
        "citation_precision": 1.0,
        "citation_recall": hit,
        "must_include_recall": 1.0,
        "refusal_accuracy": 1.0,
        "unverified_citations": 0,
        "pass_rate": 0.5,
        "latency_ms_p50": 10.0,
        "latency_ms_p95": 20.0,
        "run": {"qa_file": "set.jsonl", "timestamp": f"2026-12-0{name[-1]}T10:00:00+00:00"},
    }
    (run / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    rows = [
        {"id": q, "question": f"问题{q}<b>", "type": "fact", "passed": {"hit_at_1": good}, "ok": good}
        for q, good in ok.items()
    ]
    (run / "results.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def notice_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    from ui.app import create_app
    from ui.cli.serve_cmd import prepare_pipeline

    corpus = tmp_path_factory.mktemp("notice-corpus")
    for path in default_corpus_dir().iterdir():
        if path.is_file():
            shutil.copy(path, corpus / path.name)
    settings = make_settings(tmp_path_factory.mktemp("notice-data"), corpus)
    _fake_run(settings.data_dir / "web-evals", "eval-20261201-100000-000001", 0.5, {"q1": True, "q2": False})
    _fake_run(settings.data_dir / "web-evals", "eval-20261202-100000-000002", 1.0, {"q1": False, "q2": True})
    pipeline = prepare_pipeline(settings)
    with ThreadedServer(create_app(pipeline, settings)) as server:
        yield LiveApp(server.url, settings, pipeline)


def _size(driver: Any, name: str) -> None:
    """The viewport (not the window) at the named size."""
    width, height = SIZES[name]
    driver.set_window_size(width, height)
    inner_w, inner_h = driver.execute_script("return [innerWidth, innerHeight]")
    driver.set_window_size(2 * width - inner_w, 2 * height - inner_h)


def _open_citizen_page(driver: Any, url: str, size: str) -> None:
    """The citizen page at the named size, ready for a question."""
    _size(driver, size)
    driver.get(url + "/")
    _wait(driver, "#pa-question textarea")


RECT = "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];"


def _rect(driver: Any, css: str) -> list[float]:
    from selenium.webdriver.common.by import By

    return list(driver.execute_script(RECT, driver.find_element(By.CSS_SELECTOR, css)))


def _in_view(driver: Any, css: str) -> bool:
    left, top, right, bottom = _rect(driver, css)
    width, height = driver.execute_script("return [innerWidth, innerHeight]")
    return bool(bottom > top and top >= 0 and left >= 0 and bottom <= height + 0.5 and right <= width + 0.5)


def _overlap(a: list[float], b: list[float]) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _no_overlaps(driver: Any, selectors: list[str]) -> None:
    rects = {css: _rect(driver, css) for css in selectors}
    for i, a in enumerate(selectors):
        for b in selectors[i + 1 :]:
            assert _overlap(rects[a], rects[b]) < 1, f"{a} overlaps {b}: {rects[a]} {rects[b]}"


def _no_sideways_scroll(driver: Any) -> None:
    width, inner = driver.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner, f"the page scrolls sideways ({width} > {inner})"


def _fits_as_cards(driver: Any, tables: list[str]) -> None:
    """At phone width each table is hidden and its cards shown, none wider than the screen and
    none scrolling inside."""
    width = driver.execute_script("return innerWidth")
    for css in tables:
        hidden = driver.execute_script(
            "return getComputedStyle(document.querySelector(arguments[0])).display", css
        )
        assert hidden == "none", f"{css} is still shown at phone width"
        assert _in_view_width(driver, f"{css}-cards", width)
        cards = driver.execute_script(
            "return [...document.querySelectorAll(arguments[0] + ' .pa-card')]"
            ".map(c => [c.scrollWidth, c.clientWidth, c.getBoundingClientRect().right])",
            f"{css}-cards",
        )
        assert cards, f"no cards for {css}"
        for scroll, client, right in cards:
            assert scroll <= client and right <= width, (css, scroll, client, right, width)


def _in_view_width(driver: Any, css: str, width: float) -> bool:
    left, top, right, bottom = _rect(driver, css)
    return bool(bottom > top and left >= 0 and right <= width + 0.5)


def _last_bot_text(driver: Any) -> str:
    return str(
        driver.execute_script(
            "const m = [...document.querySelectorAll('#pa-chatbot [data-testid=bot] .message-content')]"
            ".filter(e => !e.querySelector('.pa-cites')); return m.length ? m[m.length - 1].innerText : '';"
        )
    )


def _bot_texts(driver: Any) -> list[str]:
    return list(
        driver.execute_script(
            "return [...document.querySelectorAll('#pa-chatbot [data-testid=bot] .message-content')]"
            ".filter(e => !e.querySelector('.pa-cites')).map(e => e.innerText);"
        )
    )


def _scroll_button_clears_the_last_message(driver: Any) -> None:
    log = "document.querySelector('#pa-chatbot [role=log]')"
    overflow = driver.execute_script(f"const l = {log}; return l.scrollHeight - l.clientHeight")
    assert overflow > 100, "two answers should not fit the phone's chat without scrolling"
    driver.execute_script(f"document.getElementById('pa-chatbot').scrollIntoView(); {log}.scrollTop = 1e6")
    time.sleep(0.3)
    driver.execute_script(f"const l = {log}; l.scrollTop = 0; l.dispatchEvent(new Event('scroll'))")
    button = _wait(driver, "#pa-chatbot .scroll-down-button-container button")
    top = driver.execute_script(RECT, button)[1]
    driver.execute_script(f"const l = {log}; l.scrollTop = l.scrollHeight")
    time.sleep(0.5)
    last = driver.execute_script(
        "const rows = document.querySelectorAll('#pa-chatbot [role=log] .message-row');"
        "return rows[rows.length - 1].getBoundingClientRect().bottom"
    )
    assert last <= top, f"the last message ends at {last}px, under the scroll button at {top}px"


def _bots(driver: Any) -> int:
    from selenium.webdriver.common.by import By

    return len(driver.find_elements(By.CSS_SELECTOR, "#pa-chatbot [data-testid='bot']"))


def _ask_and_watch(driver: Any, question: str) -> list[str]:
    """Ask, and record the answer's text each time it changes until its chips arrive."""
    before = driver.execute_script("return document.querySelectorAll('#pa-chatbot details.pa-chip').length")
    _ask(driver, question)
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = _last_bot_text(driver) if _bots(driver) else ""
        if text and text != "…" and (not seen or seen[-1] != text):
            seen.append(text)
        chips = driver.execute_script(
            "return document.querySelectorAll('#pa-chatbot details.pa-chip').length"
        )
        if chips > before:
            return seen
        time.sleep(0.02)
    raise AssertionError(f"no chips after {question}: {seen}")


@pytest.mark.parametrize("size", list(SIZES))
def test_citizen_page_at_desktop_and_phone_size(
    browser: Any, notice_app: LiveApp, screenshot_dir: Path, size: str
) -> None:
    from selenium.webdriver.common.by import By

    _open_citizen_page(browser, notice_app.url, size)
    # how to reach a person, without scrolling: the hotline, the official source, 留言咨询
    contact = browser.find_element(By.CSS_SELECTOR, "#pa-scope .pa-contact")
    assert "12333" in contact.text
    for css in (
        "#pa-scope .pa-contact",
        "#pa-scope a.pa-source",
        "#pa-scope .pa-leave-link",
        "#pa-question textarea",
    ):
        assert _in_view(browser, css), f"{css} is not in view at {size} size"
    browser.save_screenshot(str(screenshot_dir / f"layout-chat-{size}-start.png"))

    # the verified answer is seen to stream: a sentence at a time, each a prefix of the whole
    shown = _ask_and_watch(browser, "职业技能提升补贴怎么申请？")
    final = _last_bot_text(browser)
    assert len(shown) >= 3, shown
    assert all(final.startswith(part.rstrip("…").strip()) for part in shown[:-1]), shown
    _ask_and_watch(browser, "我是做集成电路的，考了证能拿补贴吗？")
    # the document's full title once in a conversation; after that its short title
    answers = _bot_texts(browser)
    assert len(answers) == 2 and answers[0].count(TITLE) == 1, answers
    assert TITLE not in answers[1] and "《上海数字技术技能人才培育实施方案》" in answers[1], answers
    if size == "phone":  # gradio's scroll-to-bottom button never lies over the end of the last answer
        _scroll_button_clears_the_last_message(browser)
    browser.execute_script("window.scrollTo(0, 0)")

    # the conversation fills the screen; the input and 👍/👎 stay in view
    for css in ("#pa-question textarea", "#pa-send", "#pa-up", "#pa-down"):
        assert _in_view(browser, css), f"{css} is not in view at {size} size after two answers"
    chat = _rect(browser, "#pa-chatbot")
    height = browser.execute_script("return innerHeight")
    assert chat[3] - chat[1] >= 0.45 * height, f"the chat is {chat[3] - chat[1]}px of {height}px"
    _no_overlaps(browser, ["#pa-scope", "#pa-chatbot", "#pa-ask-row", "#pa-feedback", "#pa-examples"])
    _no_overlaps(browser, ["#pa-up", "#pa-down", "#pa-comment", "#pa-clear"])
    _no_sideways_scroll(browser)
    browser.save_screenshot(str(screenshot_dir / f"layout-chat-{size}-answered.png"))

    # the chips sit with their answer, inside the conversation, above the input and the examples
    chips = browser.find_elements(By.CSS_SELECTOR, "#pa-chatbot details.pa-chip")
    assert len(chips) >= 2
    assert _rect(browser, "#pa-chatbot")[3] <= _rect(browser, "#pa-examples")[1]
    # the chat's label never lies over the messages, however they are scrolled
    browser.execute_script("document.querySelector('#pa-chatbot [role=log]').scrollTop = 60")
    _no_overlaps(browser, ["#pa-chatbot label[data-testid='block-label']", "#pa-chatbot [role=log]"])

    # the first answer quotes two sentences of （十三）: both are marked in the opened article
    first = chips[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", first)
    first.find_element(By.TAG_NAME, "summary").click()
    _wait(browser, "#pa-chatbot details.pa-chip[open] .pa-article-text")
    marks = [m.text for m in first.find_elements(By.CSS_SELECTOR, ".pa-article-text mark")]
    quoted = first.find_element(By.CSS_SELECTOR, ".pa-quote").get_attribute("textContent") or ""
    quotes = [q for q in quoted.removeprefix("引用原文：").strip("「」").split("」「") if q]
    assert len(quotes) == 2, quoted
    assert all(any(q in m for m in marks) for q in quotes), (quotes, marks)
    browser.save_screenshot(str(screenshot_dir / f"layout-chat-{size}-article.png"))

    # 👍 is acknowledged where it was clicked
    browser.execute_script("window.scrollTo(0, 0)")
    browser.find_element(By.ID, "pa-up").click()
    _wait_text(browser, "#pa-status", "感谢")
    assert _in_view(browser, "#pa-status")
    # 留言咨询 opens the form and brings it into view
    browser.find_element(By.CSS_SELECTOR, "#pa-scope .pa-leave-link").click()
    _wait(browser, "#pa-leave-question textarea")
    time.sleep(0.3)
    assert _in_view(browser, "#pa-leave .label-wrap")
    browser.save_screenshot(str(screenshot_dir / f"layout-chat-{size}-leave.png"))


@pytest.mark.parametrize("size", list(SIZES))
def test_console_draft_first_hits_open_recent_fits(
    browser: Any, notice_app: LiveApp, screenshot_dir: Path, size: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    httpx.post(notice_app.url + "/api/ask", json={"question": "职业技能提升补贴怎么申请？"}, timeout=60)
    _size(browser, size)
    staff_sign_in(browser, notice_app.url, tab="坐席工作台")
    box = _wait(browser, "#pa-search textarea")
    box.send_keys("职业技能提升补贴每个等级多少钱")
    box.send_keys(Keys.ENTER)
    _wait(browser, "#pa-hits details.pa-hit")
    draft_box = browser.find_element(By.CSS_SELECTOR, "#pa-draft textarea")
    WebDriverWait(browser, 60).until(lambda d: "依据" in (draft_box.get_attribute("value") or ""))
    draft = draft_box.get_attribute("value") or ""
    # first, short, saying plainly what the notice does not state; each quote once; the title once
    assert _rect(browser, "#pa-draft")[3] <= _rect(browser, "#pa-hits")[1]
    assert draft.startswith("方案没有写明"), draft
    assert draft.count("对劳动者参加数字职业技能等级认定") == 1 and draft.count(TITLE) <= 1, draft
    # a hit opens its whole article
    hit = browser.find_element(By.CSS_SELECTOR, "#pa-hits details.pa-hit")
    hit.find_element(By.TAG_NAME, "summary").click()
    article = _wait(browser, "#pa-hits details.pa-hit[open] .pa-hit-text")
    assert "（十三）" in hit.text and "建立政府、社会力量、用人单位和个人共同投入" in article.text
    browser.save_screenshot(str(screenshot_dir / f"layout-console-{size}.png"))
    # the latest turns fit the screen: no sideways scrolling, no title in every row
    browser.find_element(By.ID, "pa-recent-refresh").click()
    _wait(browser, "#pa-recent .pa-turn")
    recent = browser.find_element(By.ID, "pa-recent")
    assert TITLE not in recent.text and "问：职业技能提升补贴怎么申请？" in recent.text
    scroll, client = browser.execute_script(
        "return [arguments[0].scrollWidth, arguments[0].clientWidth]", recent
    )
    assert scroll <= client
    _no_sideways_scroll(browser)
    browser.execute_script("arguments[0].scrollIntoView()", recent)
    browser.save_screenshot(str(screenshot_dir / f"layout-console-{size}-recent.png"))


@pytest.mark.parametrize("size", list(SIZES))
def test_eval_page_compares_two_runs(
    browser: Any, notice_app: LiveApp, screenshot_dir: Path, size: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from evals.compare import COMPARED
    from evals.metrics import METRIC_LABELS
    from ui.pages.eval_compare import CHART_METRICS

    _size(browser, size)
    staff_sign_in(browser, notice_app.url, tab="评测")
    _wait(browser, "#pa-eval-run")
    go = browser.find_element(By.ID, "pa-compare-run")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", go)
    go.click()  # nothing picked yet: a message says what to do
    _wait_text(browser, "#pa-compare-status", "请选择两次运行")
    browser.find_element(By.ID, "pa-compare-refresh").click()  # B the newest run, A the one before
    WebDriverWait(browser, 30).until(
        lambda d: (
            "2026-12-01"
            in (d.find_element(By.CSS_SELECTOR, "#pa-compare-a input").get_attribute("value") or "")
        )
    )
    assert "2026-12-02" in (
        browser.find_element(By.CSS_SELECTOR, "#pa-compare-b input").get_attribute("value") or ""
    )
    go.click()
    _wait_text(browser, "#pa-compare-status", "1 题由未通过变为通过，1 题由通过变为未通过")
    # a phone gets the same rows as cards instead of tables that scroll inside their boxes
    shown = "" if size == "desktop" else "-cards"
    _wait_text(browser, f"#pa-compare-metrics{shown}", "命中@1")
    table = browser.find_element(By.ID, f"pa-compare-metrics{shown}").text
    assert "命中@1" in table and "+0.500" in table and "更好" in table
    flips = browser.find_element(By.ID, f"pa-compare-flips{shown}").text
    assert "问题q1<b>" in flips and "问题q2<b>" in flips  # escaped, shown as typed
    assert not browser.find_elements(By.CSS_SELECTOR, "#pa-compare-flips td b, #pa-compare-flips-cards b")
    if size == "phone":
        _fits_as_cards(browser, ["#pa-compare-metrics", "#pa-compare-flips"])
    _wait(browser, "#pa-compare-chart .js-plotly-plot")
    traces = browser.execute_script(
        "return document.querySelector('#pa-compare-chart .js-plotly-plot').data.map(t => [t.name, t.x, t.y])"
    )
    # every rate metric compared is a bar of both runs
    labels = [METRIC_LABELS[m] for m in CHART_METRICS if m in COMPARED]
    assert {"命中@1", "引用召回率"} <= set(labels)
    assert [t[0] for t in traces] == ["运行 A", "运行 B"]
    assert all(x == labels for _, x, _y in traces), traces
    assert traces[0][2][labels.index("命中@1")] == 0.5 and traces[1][2][labels.index("命中@1")] == 1.0
    assert len(browser.find_elements(By.CSS_SELECTOR, "#pa-compare-chart g.trace.bars")) == 2
    _no_overlaps(browser, [f"#pa-compare-metrics{shown}", "#pa-compare-chart", f"#pa-compare-flips{shown}"])
    _no_sideways_scroll(browser)
    browser.execute_script("document.getElementById('pa-compare-chart').scrollIntoView()")
    browser.save_screenshot(str(screenshot_dir / f"layout-eval-{size}-compare.png"))
