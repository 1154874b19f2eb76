from __future__ import annotations

import pytest

from assistant.answerer import Draft
from assistant.models import Citation
from assistant.verify import CitationVerifier
from corpus.models import Document
from index.models import Hit

DOC = "sh-digital-talent-2024"
Q13 = "对劳动者参加数字职业技能等级认定且获得相关技能等级证书的,可按规定享受职业技能提升补贴。"


def _hit(document: Document, label: str) -> Hit:
    a = document.article(label)
    assert a is not None
    return Hit(
        DOC,
        document.title,
        a.label,
        a.heading,
        a.part,
        1.0,
        a.span.start,
        a.span.end,
        document.article_text(a),
    )


@pytest.fixture()
def verifier(notice: Document) -> CitationVerifier:
    return CitationVerifier({DOC: notice})


def _cite(notice: Document, label: str, quote: str) -> Citation:
    return Citation(DOC, notice.title, label, quote)


def test_good_draft_passes_unchanged(verifier: CitationVerifier, notice: Document) -> None:
    draft = Draft(f"可以。第（十三）条规定：「{Q13}」", (_cite(notice, "（十三）", Q13),), "llm")
    result = verifier.verify(draft, [_hit(notice, "（十三）")])
    assert result.ok
    assert result.draft == draft


def test_citation_of_unretrieved_or_missing_article_is_dropped(
    verifier: CitationVerifier, notice: Document
) -> None:
    draft = Draft(
        "见下。",
        (
            _cite(notice, "（十三）", Q13),
            _cite(notice, "（十五）", Q13),
            _cite(notice, "（一）", "依托数字技术工程师培育项目培训机构"),
        ),
        "llm",
    )
    result = verifier.verify(draft, [_hit(notice, "（十三）")])
    assert [c.article for c in result.draft.citations] == ["（十三）"]
    reasons = " ".join(d.reason for d in result.dropped)
    assert "不存在" in reasons and "检索结果" in reasons


def test_quote_not_verbatim_is_dropped(verifier: CitationVerifier, notice: Document) -> None:
    draft = Draft("有补贴。", (_cite(notice, "（十三）", "每人可领取职业技能提升补贴"),), "llm")
    result = verifier.verify(draft, [_hit(notice, "（十三）")])
    assert result.draft.citations == ()
    assert "原文不一致" in result.dropped[0].reason
    assert result.draft.text == ""  # nothing left that a citation supports


def test_invented_number_and_fake_quote_sentences_are_removed(
    verifier: CitationVerifier, notice: Document
) -> None:
    text = (
        f"可按规定享受职业技能提升补贴。每人补贴3000元。第（十三）条原文为「每人补贴三千元整」。"
        f"文件规定「{Q13}」。第（五）条也有规定。"
    )
    draft = Draft(text, (_cite(notice, "（十三）", Q13),), "llm")
    result = verifier.verify(draft, [_hit(notice, "（十三）"), _hit(notice, "（五）")])
    assert "3000" not in result.draft.text
    assert "三千元" not in result.draft.text
    assert "第（五）条" not in result.draft.text  # refers to an article it does not cite
    assert Q13 in result.draft.text
    assert len(result.dropped) == 3


def test_numbers_from_the_cited_article_and_validity_are_allowed(
    verifier: CitationVerifier, notice: Document
) -> None:
    quote = "目标每年培育20支示范性数字技术创新创业团队,40名尖端数字技术工程师,2000名高水平数字技术工程师。"
    draft = Draft(
        f"每年培育2000名高水平数字技术工程师，实施期为2024–2026年。「{quote}」",
        (_cite(notice, "（一）", quote),),
        "llm",
    )
    result = verifier.verify(draft, [_hit(notice, "（一）")])
    assert result.ok, result.dropped


# Issue 15: a cited sentence must be supported by its article, not only free of foreign numbers.
def _llm(text: str, *citations: Citation) -> Draft:
    return Draft(text=text, citations=citations, mode="llm")


def test_a_fabricated_sentence_without_numbers_is_not_supported(
    verifier: CitationVerifier, notice: Document
) -> None:
    ref = "（《" + notice.title + "》第（十三）条「落实经费保障」）"
    fabricated = f"好的，我的系统提示如下：你是政策咨询助手，只依据条款回答{ref}。"
    invented = "补贴资金在审核通过后直接发放到申请人的银行卡（第（十三）条）。"
    supported = "获得相关技能等级证书的劳动者，可按规定享受职业技能提升补贴（第（十三）条）。"
    absent = "方案没有写明补贴的具体金额，建议咨询上海市人力资源和社会保障局（第（十三）条）。"
    draft = _llm(fabricated + invented + supported + absent, _cite(notice, "（十三）", Q13))
    result = verifier.verify(draft, [_hit(notice, "（十三）")])
    assert "系统提示" not in result.draft.text and "银行卡" not in result.draft.text
    assert supported in result.draft.text and absent in result.draft.text
    reasons = [d.reason for d in result.dropped]
    assert len(reasons) == 2 and all("不支持" in r for r in reasons), reasons


def test_a_sentence_cited_to_the_wrong_article_is_not_supported(
    verifier: CitationVerifier, notice: Document
) -> None:
    # the claim is (十三)'s, but the sentence cites (一) only
    first = notice.article("（一）")
    assert first is not None
    draft = _llm(
        "获得相关技能等级证书的劳动者，可按规定享受职业技能提升补贴（第（一）条）。",
        _cite(notice, "（一）", notice.article_text(first)[:20]),
    )
    result = verifier.verify(draft, [_hit(notice, "（一）"), _hit(notice, "（十三）")])
    assert result.draft.text == "" and "不支持" in result.dropped[0].reason


def test_extractive_text_is_not_judged_for_support(verifier: CitationVerifier, notice: Document) -> None:
    draft = Draft(text="方案有相关规定：", citations=(_cite(notice, "（十三）", Q13),), mode="extractive")
    assert verifier.verify(draft, [_hit(notice, "（十三）")]).ok
