"""The citizens' page with two documents loaded, in headless Chromium at desktop (1366×900) and
phone (390×844) size: the choice of document in view and usable, an answer quoting both documents
with its chips grouped under each document's name, every quote marked in the opened article, the
input and 👍/👎 in view, nothing wider than the screen. Screenshots go to the screenshot folder."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus.loader import default_corpus_dir
from tests.ui.conftest import LiveApp, ThreadedServer, make_settings
from tests.ui.test_browser import _ask
from tests.ui.test_pages_layout import (
    SIZES,
    _in_view,
    _no_overlaps,
    _no_sideways_scroll,
    _open_citizen_page,
    _rect,
)

pytestmark = pytest.mark.slow

HOUSING_ID = "pudong-housing-2024"
HOUSING = """浦东新区人才安居补贴办法
第一条 为吸引人才在浦东新区安居，制定本办法。
第二条 人才安居补贴发放对象为在浦东新区工作的高层次人才，按月发放租房补贴。
第三条 申请人才安居补贴，应当向区人才服务中心提交申请材料。材料齐全的，十个工作日内办结。
第四条 职业技能提升补贴与人才安居补贴可以同时享受。
"""
HOUSING_META = f"""id = "{HOUSING_ID}"
title = "浦东新区人才安居补贴办法（2024年修订）实施细则"
short_title = "浦东人才安居补贴办法"
issuer = "浦东新区人才工作局"
issued = 2024-03-01
valid_from = 2024
valid_to = 2027
source = "https://www.pudong.gov.cn/"
contact = "浦东新区人才服务中心（021-12345678）"
"""
NOTICE_NAME = "《上海数字技术技能人才培育实施方案》"
HOUSING_NAME = "《浦东人才安居补贴办法》"
BOTH = "人才安居补贴怎么申请？另外职业技能提升补贴有哪些规定？"


STATION_ID = "xuhui-station-2025"
STATION = """徐汇区青年人才驿站管理办法
第一条 为服务来沪求职的青年人才，设立青年人才驿站。
第二条 青年人才驿站为来沪求职的应届高校毕业生提供不超过七天的免费住宿。
"""
STATION_META = f"""id = "{STATION_ID}"
title = "徐汇区青年人才驿站管理办法"
short_title = "徐汇青年人才驿站办法"
issuer = "徐汇区人力资源和社会保障局"
valid_from = 2025
valid_to = 2027
contact = "徐汇区人才服务中心（021-87654321）"
"""


def _serve(tmp_path_factory: pytest.TempPathFactory, extra: dict[str, tuple[str, str]]) -> Iterator[LiveApp]:
    """The notice and the ``extra`` documents (id → text, metadata), served."""
    from ui.app import create_app
    from ui.cli.serve_cmd import prepare_pipeline

    corpus = tmp_path_factory.mktemp("documents")
    for path in default_corpus_dir().iterdir():
        if path.is_file():
            shutil.copy(path, corpus / path.name)
    for doc_id, (text, meta) in extra.items():
        (corpus / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        (corpus / f"{doc_id}.meta.toml").write_text(meta, encoding="utf-8")
    settings = make_settings(tmp_path_factory.mktemp("documents-data"), corpus)
    pipeline = prepare_pipeline(settings)
    with ThreadedServer(create_app(pipeline, settings)) as server:
        yield LiveApp(server.url, settings, pipeline)


@pytest.fixture(scope="module")
def two_documents_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    yield from _serve(tmp_path_factory, {HOUSING_ID: (HOUSING, HOUSING_META)})


@pytest.fixture(scope="module")
def three_documents_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    yield from _serve(
        tmp_path_factory, {HOUSING_ID: (HOUSING, HOUSING_META), STATION_ID: (STATION, STATION_META)}
    )


def _groups(driver: Any) -> list[tuple[str, list[str]]]:
    """The last answer's chips: (document name, chip labels) per group."""
    return [
        (str(name), list(chips))
        for name, chips in driver.execute_script(
            "const all = document.querySelectorAll('#pa-chatbot .pa-cites');"
            "const last = all[all.length - 1];"
            "return [...last.querySelectorAll('.pa-cites-doc')].map(g => ["
            "  g.querySelector('.pa-cites-doc-name').innerText,"
            "  [...g.querySelectorAll('details.pa-chip > summary')].map(s => s.innerText)]);"
        )
    ]


def _wait_chips(driver: Any, before: int) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60).until(
        lambda d: (
            d.execute_script("return document.querySelectorAll('#pa-chatbot .pa-cites').length") > before
        )
    )
    time.sleep(0.5)  # the follow-up events after the answer


def _wait_open(driver: Any, chip: Any) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(lambda _d: chip.get_attribute("open") is not None)


def _cites(driver: Any) -> int:
    return int(driver.execute_script("return document.querySelectorAll('#pa-chatbot .pa-cites').length"))


def _visible_in_chat(driver: Any, element: Any) -> bool:
    """Shown inside the conversation's scrolled box (not scrolled out of it) and not clipped sideways."""
    log = _rect(driver, "#pa-chatbot [role=log]")
    left, top, right, bottom = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];", element
    )
    return bool(bottom > top and top >= log[1] - 0.5 and bottom <= log[3] + 0.5 and right <= log[2] + 0.5)


@pytest.mark.parametrize("size", list(SIZES))
def test_two_documents_at_desktop_and_phone_size(
    browser: Any, two_documents_app: LiveApp, screenshot_dir: Path, size: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open_citizen_page(browser, two_documents_app.url, size)
    # both documents listed with their contact; the choice of document, the box and 发送 in view
    scope = browser.find_element(By.ID, "pa-scope").text  # full titles on a desktop, short on a phone
    assert ("浦东新区人才安居补贴办法" if size == "desktop" else "浦东人才安居补贴办法") in scope
    assert (
        "上海市加快数字技术技能人才培育" if size == "desktop" else "上海数字技术技能人才培育实施方案"
    ) in scope
    assert "021-12345678" in scope and "12333" in scope
    for css in ("#pa-doc-choice input", "#pa-question textarea", "#pa-send", "#pa-up", "#pa-down"):
        assert _in_view(browser, css), f"{css} is not in view at {size} size"
    _no_sideways_scroll(browser)
    browser.save_screenshot(str(screenshot_dir / f"several-{size}-start.png"))

    # an answer from both documents: its chips grouped under each document's name, all in view
    _ask(browser, BOTH)
    _wait_chips(browser, 0)
    groups = _groups(browser)
    assert [name for name, _ in groups] == [HOUSING_NAME, NOTICE_NAME], groups
    assert all(chips for _, chips in groups), groups
    assert any("第三条" in chip for chip in groups[0][1]), groups
    assert any("（十三）" in chip for chip in groups[1][1]), groups
    # the chips carry the article only: the document is named once, above them
    assert not any("浦东" in chip or "上海" in chip for _, chips in groups for chip in chips), groups
    for chip in browser.find_elements(By.CSS_SELECTOR, "#pa-chatbot .pa-cites details.pa-chip > summary"):
        assert _visible_in_chat(browser, chip), f"{chip.text} is not in view in the conversation"
        assert chip.size["height"] < 40, f"{chip.text} wraps onto several lines"
    # each period named with its document, not 「该文件的实施期为…」 after the second document
    answer = browser.find_elements(By.CSS_SELECTOR, "#pa-chatbot [data-testid=bot] .message-content")
    assert not any("该文件的实施期" in a.text for a in answer)

    browser.execute_script("window.scrollTo(0, 0)")
    for css in ("#pa-doc-choice input", "#pa-question textarea", "#pa-send", "#pa-up", "#pa-down"):
        assert _in_view(browser, css), f"{css} is not in view at {size} size after the answer"
    chat = _rect(browser, "#pa-chatbot")
    height = browser.execute_script("return innerHeight")
    assert chat[3] - chat[1] >= 0.4 * height, f"the chat is {chat[3] - chat[1]}px of {height}px"
    _no_overlaps(browser, ["#pa-scope", "#pa-chatbot", "#pa-ask-row", "#pa-feedback", "#pa-examples"])
    _no_overlaps(browser, ["#pa-doc-choice", "#pa-question", "#pa-send"])
    _no_sideways_scroll(browser)
    wide = browser.execute_script(
        "const l = document.querySelector('#pa-chatbot [role=log]'); return [l.scrollWidth, l.clientWidth]"
    )
    assert wide[0] <= wide[1], f"the conversation scrolls sideways: {wide}"
    browser.save_screenshot(str(screenshot_dir / f"several-{size}-answered.png"))

    # every chip opens its article with every quoted sentence marked
    chips = browser.find_elements(By.CSS_SELECTOR, "#pa-chatbot .pa-cites details.pa-chip")
    for number, chip in enumerate(chips):
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", chip)
        chip.find_element(By.TAG_NAME, "summary").click()
        _wait_open(browser, chip)
        marks = [m.text for m in chip.find_elements(By.CSS_SELECTOR, ".pa-article-text mark")]
        quoted = chip.find_element(By.CSS_SELECTOR, ".pa-quote").get_attribute("textContent") or ""
        quotes = [q for q in quoted.removeprefix("引用原文：").strip("「」").split("」「") if q]
        assert quotes and all(any(q in m for m in marks) for q in quotes), (number, quotes, marks)
        _no_sideways_scroll(browser)
        if number == len(chips) - 1:
            browser.save_screenshot(str(screenshot_dir / f"several-{size}-article.png"))

    # the choice of document is used: asked about the housing document alone, only it is cited
    browser.execute_script("window.scrollTo(0, 0)")
    browser.find_element(By.CSS_SELECTOR, "#pa-doc-choice input").click()
    option = (By.XPATH, "//ul[contains(@class, 'option-list')]/li[contains(., '浦东人才安居补贴办法')]")
    WebDriverWait(browser, 10).until(lambda d: d.find_element(*option).is_displayed())
    browser.save_screenshot(str(screenshot_dir / f"several-{size}-choice.png"))
    browser.find_element(*option).click()
    WebDriverWait(browser, 10).until(
        lambda d: (
            d.find_element(By.CSS_SELECTOR, "#pa-doc-choice input").get_attribute("value")
            == "浦东人才安居补贴办法"
        )
    )
    before = _cites(browser)
    _ask(browser, "补贴怎么申请？")
    _wait_chips(browser, before)
    assert [name for name, _ in _groups(browser)] == [HOUSING_NAME]
    browser.execute_script("window.scrollTo(0, 0)")
    _no_sideways_scroll(browser)
    assert _in_view(browser, "#pa-question textarea")


@pytest.mark.parametrize("size", list(SIZES))
def test_three_documents_keep_the_input_in_view(
    browser: Any, three_documents_app: LiveApp, screenshot_dir: Path, size: str
) -> None:
    """With three documents each shows its short title, validity and contact, in a list that
    scrolls within about the height of two; the input and 👍/👎 stay in view."""
    from selenium.webdriver.common.by import By

    _open_citizen_page(browser, three_documents_app.url, size)
    for css in ("#pa-doc-choice input", "#pa-question textarea", "#pa-send", "#pa-up", "#pa-down"):
        assert _in_view(browser, css), f"{css} is not in view at {size} size"
    _no_sideways_scroll(browser)
    listed = browser.find_element(By.CSS_SELECTOR, "#pa-scope .pa-docs")
    text = listed.get_attribute("textContent") or ""
    assert all(n in text for n in ("浦东人才安居补贴办法", "徐汇青年人才驿站办法", "021-87654321", "12333"))
    browser.execute_script("arguments[0].scrollTop = arguments[0].scrollHeight", listed)
    last = browser.find_elements(By.CSS_SELECTOR, "#pa-scope .pa-doc")[-1]
    assert "徐汇" in last.text and "021-87654321" in last.text  # reached by scrolling the list
    browser.save_screenshot(str(screenshot_dir / f"several-three-{size}-start.png"))
