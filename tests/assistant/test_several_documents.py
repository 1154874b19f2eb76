"""With several documents loaded, an answer drawing on more than one says which document each
part comes from (a 【《title》】 heading per document) and cites each article under its own title."""

from __future__ import annotations

from assistant.answerer import AnswerRequest, Draft
from assistant.extractive import ExtractiveAnswerer
from assistant.factory import make_topic_terms
from corpus.loader import default_corpus_dir, load_corpus
from corpus.models import Document, DocumentMeta
from corpus.parser import parse_document
from index.models import Hit


def housing_document() -> Document:
    text = (
        "浦东新区人才安居补贴办法\n"
        "第一条 为吸引人才在浦东新区安居，制定本办法。\n"
        "第二条 人才安居补贴发放对象为在浦东新区工作的高层次人才，按月发放租房补贴。\n"
        "第三条 申请人才安居补贴，应当向区人才服务中心提交申请材料。材料齐全的，十个工作日内办结。\n"
    )
    meta = DocumentMeta(doc_id="pudong-housing-2024", title="浦东新区人才安居补贴办法")
    return parse_document(text, meta, "pudong-housing-2024.txt")


def answer_from_both(notice: Document, housing: Document, question: str) -> Draft:
    """The extractive answer to ``question`` with housing's 第三条 and the notice's （十三） found."""
    documents = {d.doc_id: d for d in (notice, housing)}
    answerer = ExtractiveAnswerer(documents, make_topic_terms([notice, housing]))
    apply_article, funding = housing.article("第三条"), notice.article("（十三）")
    assert apply_article is not None and funding is not None
    hits = (Hit.of_article(housing, apply_article, 1.0), Hit.of_article(notice, funding, 0.9))
    return answerer.answer(
        AnswerRequest(question=question, hits=hits, documents=documents, original=question)
    )


def test_an_answer_from_two_documents_names_each_document() -> None:
    notice = load_corpus(default_corpus_dir()).documents[0]
    housing = housing_document()
    draft = answer_from_both(notice, housing, "人才安居补贴怎么申请？另外职业技能提升补贴有哪些规定？")
    assert {(c.doc_id, c.article) for c in draft.citations} == {
        (housing.doc_id, "第三条"),
        (notice.doc_id, "（十三）"),
    }
    housing_part = draft.text.index(f"【{housing.meta.display_title}】")
    notice_part = draft.text.index(f"【{notice.meta.display_title}】")
    # each document's quotes sit under its own heading
    assert housing_part < draft.text.index("区人才服务中心") < notice_part
    assert notice_part < draft.text.index("职业技能提升补贴", notice_part)


def test_an_answer_from_one_document_has_no_document_headings() -> None:
    notice = load_corpus(default_corpus_dir()).documents[0]
    housing = housing_document()
    documents = {d.doc_id: d for d in (notice, housing)}
    answerer = ExtractiveAnswerer(documents, make_topic_terms([notice, housing]))
    article = housing.article("第三条")
    assert article is not None
    question = "人才安居补贴怎么申请？"
    hits = (Hit.of_article(housing, article, 1.0),)
    draft = answerer.answer(
        AnswerRequest(question=question, hits=hits, documents=documents, original=question)
    )
    assert "【" not in draft.text and {c.doc_id for c in draft.citations} == {housing.doc_id}


def test_the_validity_note_names_each_documents_period() -> None:
    """Quotes of two documents: the closing note gives each document's period under its name,
    not 「该文件的实施期为…」 after the last document's quotes (which read as that one's)."""
    notice = load_corpus(default_corpus_dir()).documents[0]
    plain = housing_document()
    housing = parse_document(
        plain.text,
        DocumentMeta(
            doc_id=plain.doc_id,
            title=plain.title,
            short_title="浦东人才安居补贴办法",
            valid_from=2024,
            valid_to=2027,
        ),
        "pudong-housing-2024.txt",
    )
    draft = answer_from_both(notice, housing, "人才安居补贴今年还能申请吗？另外职业技能提升补贴有哪些规定？")
    assert "该文件的实施期" not in draft.text and "该方案的实施期" not in draft.text, draft.text
    assert "《浦东人才安居补贴办法》的实施期为2024–2027年" in draft.text, draft.text
    assert "《上海数字技术技能人才培育实施方案》的实施期为2024–2026年" in draft.text, draft.text
