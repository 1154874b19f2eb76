"""Fast tests of the web app's pieces: escaping, highlighting, limits, conversations, OpenAI messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.conversation import Turn
from assistant.models import Answer, Citation
from corpus.models import Document
from ui.limits import TokenBucket
from ui.locale import localize_page
from ui.openai_api import ChatMessage, conversation_from, text_with_citations
from ui.render import citation_chips, documents_html, highlight, hits_html, plain_markdown
from ui.sessions import ConversationStore


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_highlight_escapes_before_marking() -> None:
    out = highlight("<b>补贴</b> & 补贴标准", ["补贴"])
    assert out == "&lt;b&gt;<mark>补贴</mark>&lt;/b&gt; &amp; <mark>补贴</mark>标准"
    assert highlight("<script>", ["<script>"]) == "<mark>&lt;script&gt;</mark>"


def test_adjacent_terms_form_one_mark() -> None:
    assert highlight("享受职业技能补贴", ["职业", "技能", "补贴"]) == "享受<mark>职业技能补贴</mark>"


def test_highlight_prefers_longer_terms() -> None:
    assert highlight("职业技能提升补贴", ["补贴", "职业技能提升补贴"]) == "<mark>职业技能提升补贴</mark>"


def test_plain_markdown_neutralises_html_and_markdown() -> None:
    out = plain_markdown("<img src=x onerror=alert(1)> **粗体** [链接](javascript:x)")
    assert "<img" not in out and "&lt;img" in out
    assert "\\*\\*" in out and "\\[" in out


def test_documents_and_chips_escape_corpus_text(notice: Document) -> None:
    answer = Answer(
        question="q",
        text="t",
        refused=False,
        mode="extractive",
        citations=(
            Citation(notice.doc_id, "<script>x</script>", "（十三）", "职业技能提升补贴", "落实经费保障"),
        ),
    )
    chips = citation_chips(answer, {notice.doc_id: notice})
    assert "<script>" not in chips and "&lt;script&gt;" in chips
    assert "<mark>职业技能提升补贴</mark>" in chips  # the quote is marked inside the full article text
    page = documents_html([notice], "extractive")
    assert "2024–2026年" in page and "离线摘录" in page


def test_token_bucket_limits_and_refills() -> None:
    clock = Clock()
    bucket = TokenBucket(rate_per_minute=60, burst=2, clock=clock)
    assert bucket.take("a").allowed and bucket.take("a").allowed
    denied = bucket.take("a")
    assert not denied.allowed and 0 < denied.retry_after <= 1.0
    assert bucket.take("b").allowed  # per client
    clock.now += 1.0
    assert bucket.take("a").allowed
    assert TokenBucket(0, 1).take("a").allowed  # 0 disables
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(10, 0)


def test_conversation_store_issues_ids_and_expires() -> None:
    clock = Clock()
    store = ConversationStore(capacity=2, ttl_seconds=10, clock=clock)
    first = store.load("abc")
    issued = first.conversation_id
    assert issued != "abc" and len(issued) == 32  # a client's made-up id is never adopted
    turn = Turn("问题", "问题", "回答", (("doc", "（一）"),))
    store.save(first, [turn])
    assert store.load(issued).turns == [turn]
    assert store.load("abc").conversation_id not in ("abc", issued)  # still unknown: a fresh one
    clock.now += 11
    again = store.load(issued)
    assert not again.turns and again.conversation_id != issued  # expired → fresh, new id
    for _ in range(3):
        store.save(store.load(None), [turn])
    assert len(store) == 2


def test_openai_messages_become_question_and_history() -> None:
    question, conversation = conversation_from(
        [
            ChatMessage(role="system", content="s"),
            ChatMessage(role="user", content="补贴怎么申请？"),
            ChatMessage(role="assistant", content="按规定申请。"),
            ChatMessage(role="user", content=[{"type": "text", "text": "那需要什么条件？"}]),
        ]
    )
    assert question == "那需要什么条件？"
    assert [t.question for t in conversation.turns] == ["补贴怎么申请？"]
    with pytest.raises(ValueError, match="用户消息"):
        conversation_from([ChatMessage(role="system", content="s")])


def test_earlier_openai_messages_are_cleaned_and_masked() -> None:
    """Issue 15: earlier /v1 messages reached the chat model unmasked (and a lone surrogate in one
    was a 500)."""
    question, conversation = conversation_from(
        [
            ChatMessage(role="user", content="我叫张三丰，手机13812345678，\ud800补贴怎么申请？"),
            ChatMessage(role="assistant", content="张三丰您好，邮箱 zs@example.com 已收到。"),
            ChatMessage(role="user", content="那需要什么条件？\udfff"),
        ]
    )
    assert question == "那需要什么条件？"
    [turn] = conversation.turns
    assert turn.question == "我叫〔姓名〕，手机〔手机号〕，补贴怎么申请？"
    assert "13812345678" not in turn.standalone and "zs@example.com" not in turn.answer
    assert all("\ud800" not in t for t in (turn.question, turn.standalone, turn.answer))


def test_citations_not_named_in_the_text_are_appended() -> None:
    c = Citation("d", "文件", "（一）", "原文", "标题")
    answer = Answer(question="q", text="回答", refused=False, mode="llm", citations=(c,))
    assert text_with_citations(answer).endswith(f"- {c.marker}：「原文」")
    named = Answer(question="q", text=f"依据{c.marker}", refused=False, mode="llm", citations=(c,))
    assert text_with_citations(named) == named.text


def test_page_is_marked_chinese() -> None:
    out = localize_page(b'<html lang="en"><head><title>x</title></head></html>')
    assert b'lang="zh-CN"' in out and out.index(b"zh-CN';") < out.index(b"<title>")


def test_search_results_say_how_the_question_was_read() -> None:
    from index.models import QueryReading

    reading = QueryReading(("subsidy", "<b>"), english=(("subsidy", ("补贴", "资助")),))
    assert reading.searched == ("subsidy", "<b>", "补贴", "资助")
    summary = reading.summary()
    assert summary == "检索词：subsidy、<b> ｜ 英文对照：subsidy→补贴、资助"
    html = hits_html([], [], summary)
    assert "英文对照：subsidy→补贴、资助" in html and "&lt;b&gt;" in html and "<b>" not in html
    assert "没有找到相关条款" in html


def test_paced_grows_a_sentence_at_a_time_and_ends_with_the_whole() -> None:
    from ui.pages.chat import paced

    text = "能。方案第（十三）条规定：「甲。」「乙。」\n\n提示：有效期2024–2026年。"
    shown = list(paced(text, pause=0))
    assert shown[-1] == text and all(text.startswith(s) for s in shown)
    assert len(list(paced(text, pause=0.001))) == 4  # 能。 / …「甲。」 / 「乙。」 / 提示…


def test_chips_mark_every_quote_of_an_article(notice: Document) -> None:
    first = "对劳动者参加数字职业技能等级认定且获得相关技能等级证书的,可按规定享受职业技能提升补贴。"
    second = "建立政府、社会力量、用人单位和个人共同投入的数字技术人才多元经费保障机制。"
    cite = [Citation(notice.doc_id, notice.title, "（十三）", q, "落实经费保障") for q in (first, second)]
    answer = Answer(question="q", text="t", refused=False, mode="extractive", citations=tuple(cite))
    chips = citation_chips(answer, {notice.doc_id: notice})
    assert chips.count("<details") == 1 and "\n" not in chips  # one chip per article, one line
    assert f"<mark>{first}</mark>" in chips and f"<mark>{second}</mark>" in chips
    assert "[1] 第（十三）条「落实经费保障」" in chips  # no full title on the chip


def test_short_draft_keeps_the_opening_and_each_quote_once() -> None:
    from ui.pages.console import short_draft

    cite = Citation("d", "某方案", "（十三）", "可按规定享受补贴。", "落实经费保障")
    text = "方案没有写明具体金额。请咨询12333。\n\n《某方案》第（十三）条规定：「可按规定享受补贴。」\n\n提示：有效期2024–2026年。"
    answer = Answer(question="q", text=text, refused=False, mode="extractive", citations=(cite,))
    draft = short_draft(answer)
    assert draft.startswith("方案没有写明具体金额。") and "提示：" in draft
    assert draft.count("可按规定享受补贴。") == 1 and "依据：《某方案》" in draft


def test_compare_named_explains_bad_picks(tmp_path: Path) -> None:
    from ui.pages.eval_compare import NO_RUNS, compare_named

    assert compare_named(tmp_path, None, None)[0] == NO_RUNS
    for name in ("eval-1", "eval-2"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "metrics.json").write_text('{"n": 0, "run": {}}', encoding="utf-8")
        (tmp_path / name / "results.jsonl").write_text("", encoding="utf-8")
    assert "请选择两次运行" in compare_named(tmp_path, "eval-1", None)[0]
    assert "不同的运行" in compare_named(tmp_path, "eval-1", "eval-1")[0]
    assert "已不存在" in compare_named(tmp_path, "eval-1", "../etc")[0]
    assert "0 题由未通过变为通过" in compare_named(tmp_path, "eval-1", "eval-2")[0]


def test_the_full_title_once_per_conversation(notice: Document) -> None:
    from ui.render import shorten_titles

    full, short = f"《{notice.title}》", f"《{notice.meta.short_title}》"
    first = f"答。{full}第（十三）条规定：「甲」。{full}第（一）条规定：「乙」。"
    shown: set[str] = set()
    assert (
        shorten_titles(first, [notice], set(shown))
        == f"答。{full}第（十三）条规定：「甲」。{short}第（一）条规定：「乙」。"
    )
    assert shown == set()  # a copy: nothing remembered while streaming
    shorten_titles(first, [notice], shown)
    assert shown == {notice.doc_id}
    assert shorten_titles(f"{full}第（二）条", [notice], shown) == f"{short}第（二）条"
    assert shorten_titles("方案没有写明。", [notice], set()) == "方案没有写明。"


def test_table_cards_name_every_cell_and_escape_it() -> None:
    import pandas as pd

    from ui.pages.phone_cards import cards_html

    frame = pd.DataFrame(
        [["q1", "事实", "<b>问题</b>", None], ["q2", "资格", "短", 12]],
        columns=["编号", "题型", "问题", "延迟"],
    )
    html = cards_html(frame, "逐题结果", head=2)
    assert html.count("class='pa-card'") == 2 and "q1 · 事实" in html and "&lt;b&gt;问题&lt;/b&gt;" in html
    assert "<span class='pa-k'>延迟</span>12" in html and "<b>" not in html
    assert "（暂无）" in cards_html({"headers": ["编号"], "data": []}, "空")
    assert "q9" in cards_html({"headers": ["编号", "题型"], "data": [["q9", "事实"]]}, "t")
