from __future__ import annotations

from assistant.llm.citations import draft_from_text, normalize_markers
from assistant.verify import CitationVerifier
from corpus.models import Document
from tests.llm.helpers import request_for

TITLE = "上海市加快数字技术技能人才培育支撑数字经济发展实施方案(2024-2026年)"


def test_markers_become_readable_references_and_verbatim_quotes(notice: Document) -> None:
    request = request_for(notice, "考取技能等级证书有补贴吗？", "（十三）", "（一）")
    text = "劳动者获得相关技能等级证书的，可按规定享受职业技能提升补贴[1]。该条还要求用人单位提取职工教育经费[1]。"
    draft = draft_from_text(text, request)
    assert draft.mode == "llm"
    assert f"（《{TITLE}》第（十三）条「落实经费保障」）" in draft.text
    assert "（第（十三）条）" in draft.text  # later mentions are compact
    assert "[1]" not in draft.text
    quotes = [c.quote for c in draft.citations]
    assert any("职业技能提升补贴" in q for q in quotes)
    assert any("职工教育经费" in q for q in quotes)
    for c in draft.citations:
        assert notice.text[c.start : c.end] == c.quote
        assert c.article == "（十三）" and c.heading == "落实经费保障"


def test_verifier_accepts_the_rewritten_draft(notice: Document) -> None:
    request = request_for(notice, "考取技能等级证书有补贴吗？", "（十三）", "（一）")
    draft = draft_from_text("可按规定享受职业技能提升补贴[1]。培训聚焦集成电路、人工智能等[2]。", request)
    verified = CitationVerifier(request.documents).verify(draft, request.hits)
    assert verified.ok, verified.dropped
    assert {c.article for c in verified.draft.citations} == {"（十三）", "（一）"}


def test_invented_number_is_dropped_by_the_verifier(notice: Document) -> None:
    request = request_for(notice, "补贴多少钱？", "（十三）")
    draft = draft_from_text("可按规定享受职业技能提升补贴[1]。每人补贴3000元[1]。", request)
    verified = CitationVerifier(request.documents).verify(draft, request.hits)
    assert "3000" not in verified.draft.text
    assert any("3000" in d.reason for d in verified.dropped)


def test_sentence_citing_only_an_unsupplied_article_is_removed(notice: Document) -> None:
    request = request_for(notice, "补贴？", "（十三）")
    draft = draft_from_text("可按规定享受职业技能提升补贴[1]。另有安家补贴[7]。", request)
    assert "安家补贴" not in draft.text
    assert len(draft.citations) == 1


def test_marker_after_the_full_stop_and_full_width_brackets(notice: Document) -> None:
    assert normalize_markers("享受补贴。[1] 另外") == "享受补贴[1]。 另外"
    request = request_for(notice, "补贴？", "（十三）", "（一）")
    draft = draft_from_text("可享受职业技能提升补贴。［1］［2］", request)
    assert draft.text.endswith("）。")
    assert {c.article for c in draft.citations} == {"（十三）", "（一）"}


def test_grouped_markers(notice: Document) -> None:
    request = request_for(notice, "补贴？", "（十三）", "（一）")
    draft = draft_from_text("可享受补贴[1, 2]。", request)
    assert len(draft.citations) == 2
    assert "；" in draft.text  # both references in one bracket


def test_partial_text_with_an_unfinished_marker(notice: Document) -> None:
    request = request_for(notice, "补贴？", "（十三）")
    draft = draft_from_text("可按规定享受职业技能提升补贴[", request)
    assert draft.text == "可按规定享受职业技能提升补贴"
    assert draft.citations == ()
    complete = draft_from_text("可按规定享受职业技能提升补贴[1", request)
    assert "[" not in complete.text


def test_text_without_markers_has_no_citations(notice: Document) -> None:
    request = request_for(notice, "补贴？", "（十三）")
    draft = draft_from_text("可以领取补贴。", request)
    assert draft.citations == ()
    verified = CitationVerifier(request.documents).verify(draft, request.hits)
    assert verified.draft.text == ""  # nothing unbacked reaches the user


def test_most_similar_sentence_is_quoted(notice: Document) -> None:
    request = request_for(notice, "经费", "（十三）")
    draft = draft_from_text("用人单位应按规定提取和使用职工教育经费[1]。", request)
    assert draft.citations[0].quote.startswith("用人单位应按规定提取和使用职工教育经费")
