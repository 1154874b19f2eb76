"""With several documents loaded, an answer drawing on more than one says which document each
part comes from (a 【《title》】 heading per document) and cites each article under its own title."""

from __future__ import annotations

from assistant.answerer import AnswerRequest
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


def test_an_answer_from_two_documents_names_each_document() -> None:
    notice = load_corpus(default_corpus_dir()).documents[0]
    housing = housing_document()
    documents = {d.doc_id: d for d in (notice, housing)}
    answerer = ExtractiveAnswerer(documents, make_topic_terms([notice, housing]))
    apply_article, funding = housing.article("第三条"), notice.article("（十三）")
    assert apply_article is not None and funding is not None
    question = "人才安居补贴怎么申请？另外职业技能提升补贴有哪些规定？"
    hits = (Hit.of_article(housing, apply_article, 1.0), Hit.of_article(notice, funding, 0.9))
    draft = answerer.answer(
        AnswerRequest(question=question, hits=hits, documents=documents, original=question)
    )
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
