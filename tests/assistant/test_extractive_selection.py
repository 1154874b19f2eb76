"""Which articles the offline answerer quotes: one for a single question, one per part for a
question in several parts, and no add-on article brought in by a heading word, a stray single
character or a filler clause."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from assistant.answerer import AnswerRequest
from assistant.asks import read_asks
from assistant.extractive import ExtractiveAnswerer
from assistant.factory import make_topic_terms
from corpus.loader import default_corpus_dir, load_corpus
from corpus.models import Document, DocumentMeta
from corpus.parser import parse_document
from index.models import Hit

NOTICE_ID = "sh-digital-talent-2024"


@pytest.fixture(scope="module")
def notice_answerer() -> tuple[ExtractiveAnswerer, Document]:
    report = load_corpus(default_corpus_dir())
    assert not report.errors
    by_id = {d.doc_id: d for d in report.documents}
    return ExtractiveAnswerer(by_id, make_topic_terms(report.documents)), by_id[NOTICE_ID]


def picked(
    answerer: ExtractiveAnswerer, document: Document, question: str, ranked: Sequence[str]
) -> list[str]:
    """The labels the answerer quotes when retrieval ranked the articles ``ranked``."""
    hits = tuple(
        Hit.of_article(document, article, 1.0 - 0.01 * i)
        for i, label in enumerate(ranked)
        if (article := document.article(label)) is not None
    )
    assert len(hits) == len(ranked)
    request = AnswerRequest(
        question=question, hits=hits, documents={document.doc_id: document}, original=question
    )
    return [p.article.label for p in answerer.pick(request)]


# --- the article's heading covers the question words it contains ---------------------------------


def test_a_word_of_the_top_articles_heading_brings_in_no_companion(
    notice_answerer: tuple[ExtractiveAnswerer, Document],
) -> None:
    # 「推进数字技能提升行动」 is (二)'s heading; its body never says 提升, (十三)'s does
    # (职业技能提升补贴) — that is no reason to quote (十三) as well
    answerer, notice = notice_answerer
    assert picked(answerer, notice, "数字技能提升行动有哪些举措", ["（二）", "（十三）", "（七）"]) == [
        "（二）"
    ]


def test_the_heading_sentence_itself_is_still_not_quoted(
    notice_answerer: tuple[ExtractiveAnswerer, Document],
) -> None:
    answerer, notice = notice_answerer
    hit = Hit.of_article(notice, notice.article("（二）"))  # type: ignore[arg-type]
    request = AnswerRequest(question="数字技能提升行动有哪些举措", hits=(hit,), documents={NOTICE_ID: notice})
    draft = answerer.answer(request)
    assert draft.citations
    assert all(not c.quote.startswith("(二)") for c in draft.citations)


# --- a single Chinese character does not justify another article ---------------------------------

TOY_PLAN = (
    "为了推进工作，制定本方案。\n"
    "一、主要任务\n"
    "（一）健全评价制度。推行八级工职业技能等级制度。\n"
    "（二）支持院校建设。支持院校开设新专业。\n"
)
TOY_WORDS = ("八级工", "新", "专业", "院校", "制度", "评价", "职业技能", "等级")


def toy_answerer() -> tuple[ExtractiveAnswerer, Document]:
    document = parse_document(TOY_PLAN, DocumentMeta(doc_id="toy", title="测试方案"), "toy.txt")

    def terms(text: str) -> list[str]:
        return [w for w in TOY_WORDS if w in text]

    return ExtractiveAnswerer({"toy": document}, terms), document


def test_a_companion_matching_only_a_single_character_is_left_out() -> None:
    # 新 (of 新八级工) is matched by 「新专业」 in (二), and as rare as 八级工: before, that alone
    # brought in (二)
    answerer, document = toy_answerer()
    assert picked(answerer, document, "新八级工是啥", ["（一）", "（二）"]) == ["（一）"]


def test_a_companion_answering_a_two_character_word_is_still_added() -> None:
    answerer, document = toy_answerer()
    assert picked(answerer, document, "八级工和新专业是啥", ["（一）", "（二）"]) == ["（一）", "（二）"]


# --- a clause winner must be about the question as a whole ---------------------------------------


def test_a_clause_won_on_a_filler_word_brings_in_no_article(
    notice_answerer: tuple[ExtractiveAnswerer, Document],
) -> None:
    # 「人工智能这一块」 is won by (十一) (its sentence names 人工智能 with more words around it), but
    # (十一) says nothing of 数据标注 or 培训评价试点: the question is about (二) alone
    answerer, notice = notice_answerer
    question = "人工智能这一块，除了数据标注，还有模型运用的培训评价试点吗"
    assert picked(answerer, notice, question, ["（二）", "（十一）", "（一）", "（十三）"]) == ["（二）"]


@pytest.mark.parametrize(
    ("question", "ranked", "expected"),
    [
        (
            "集成电路方向的人，评职称和考证补贴分别有啥政策",
            ["（十三）", "（十一）", "（一）", "（五）"],
            ["（十三）", "（十一）"],
        ),
        (
            "事业单位引进高层次数字人才，岗位和工资分别怎么安排",
            ["（六）", "（十二）", "（十四）", "（十）"],
            ["（六）", "（十二）"],
        ),
        (
            "人工智能方向，技能培训试点和职称评审委员会方案里各说了什么",
            ["（十一）", "（二）", "（一）", "（十三）"],
            ["（十一）", "（二）"],
        ),
    ],
)
def test_each_part_of_a_question_in_parts_keeps_its_article(
    notice_answerer: tuple[ExtractiveAnswerer, Document],
    question: str,
    ranked: list[str],
    expected: list[str],
) -> None:
    answerer, notice = notice_answerer
    assert picked(answerer, notice, question, ranked) == expected


# --- a second question introduced by 另外 / 又 / after a question mark -----------------------------


@pytest.mark.parametrize(
    "question",
    [
        "知识更新工程每年培训多少骨干？数字技术工程师每年培养目标是多少",
        "知识更新工程每年培训多少骨干，另外数字技术工程师每年培养目标是多少",
        "知识更新工程每年培训多少骨干，数字技术工程师的培养目标又是多少",
    ],
)
def test_a_second_question_gets_its_own_article(
    notice_answerer: tuple[ExtractiveAnswerer, Document], question: str
) -> None:
    answerer, notice = notice_answerer
    assert picked(answerer, notice, question, ["（八）", "（一）", "（三）", "（九）"]) == [
        "（八）",
        "（一）",
    ]


def test_one_question_ending_in_a_question_mark_stays_one_article(
    notice_answerer: tuple[ExtractiveAnswerer, Document],
) -> None:
    answerer, notice = notice_answerer
    ranked = ["（八）", "（一）", "（三）", "（九）"]
    assert picked(answerer, notice, "知识更新工程每年培训多少骨干？", ranked) == ["（八）"]


# --- the covering notice's title sentences do not answer questions about the plan ---------------


def test_questions_about_the_plan_quote_what_it_says_not_its_title(
    notice_answerer: tuple[ExtractiveAnswerer, Document],
) -> None:
    # 「关于印发《…实施方案》的通知」 and 「现将《…实施方案》印发给你们」 share 实施方案 with every
    # question about the plan; the 前言 sentence naming the national 行动方案 answers it
    answerer, notice = notice_answerer
    hit = Hit.of_article(notice, notice.article("前言"))  # type: ignore[arg-type]
    question = "这个实施方案是根据国家哪个文件出台的？"
    draft = answerer.answer(AnswerRequest(question=question, hits=(hit,), documents={NOTICE_ID: notice}))
    quotes = [c.quote for c in draft.citations]
    assert quotes and "行动方案" in quotes[0]
    assert not any("印发" in q for q in quotes)


def test_no_yes_lead_when_the_first_article_misses_what_the_question_names(
    notice_answerer: tuple[ExtractiveAnswerer, Document],
) -> None:
    # ranked first, (五) grants 创业补贴 — but the question is about 安家, which only (十四) says
    answerer, notice = notice_answerer
    hits = tuple(
        Hit.of_article(notice, notice.article(label), 1.0 - 0.1 * i)  # type: ignore[arg-type]
        for i, label in enumerate(["（五）", "（十四）"])
    )
    question = "数字人才在上海安家，区里会给补贴吗？"
    request = AnswerRequest(
        question=question, hits=hits, documents={NOTICE_ID: notice}, asks=read_asks(question)
    )
    draft = answerer.answer(request)
    assert draft.citations
    assert not draft.text.startswith(("可以", "有，"))
    # the same article leads with 「可以」 when it does say what was asked
    hit = Hit.of_article(notice, notice.article("（五）"))  # type: ignore[arg-type]
    asked = "在上海创业能享受创业担保贷款吗？"
    yes = answerer.answer(
        AnswerRequest(question=asked, hits=(hit,), documents={NOTICE_ID: notice}, asks=read_asks(asked))
    )
    assert yes.text.startswith(("可以", "能"))


def test_a_question_that_says_it_has_parts_gets_the_second_article(
    notice_answerer: tuple[ExtractiveAnswerer, Document],
) -> None:
    # 「分别」: pay is (十二)'s, the other incentives (国情研修, 学术休假) are (十四)'s
    answerer, notice = notice_answerer
    question = "高层次数字人才在工资待遇和其他激励方面分别有什么政策"
    assert picked(answerer, notice, question, ["（十二）", "（十四）", "（十）"]) == ["（十二）", "（十四）"]
    # without 「分别」 the same ranking quotes the first article alone
    assert picked(
        answerer, notice, "高层次数字人才的工资待遇有什么政策", ["（十二）", "（十四）", "（十）"]
    ) == ["（十二）"]
