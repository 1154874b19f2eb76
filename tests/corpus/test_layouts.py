"""Layouts on small synthetic texts: numbering styles, items, appendices, traditional characters,
full-width/half-width punctuation and stray whitespace."""

from __future__ import annotations

import pytest

from corpus.models import Document, DocumentMeta
from corpus.parser import parse_document


def parse(text: str) -> Document:
    return parse_document(text, DocumentMeta(doc_id="t", title="测试"), "t.txt")


def labels(document: Document) -> list[str]:
    return [a.label for a in document.articles]


LAW = "第一章 总则\n第一条 为了规范管理，制定本办法。\n第二条 本办法适用于本市。\n第二章 附则\n第三条 本办法自发布之日起施行。\n"

LAYOUTS = {
    "law": (LAW, ["第一条", "第二条", "第三条"]),
    "law-traditional": (
        "第一章 總則\n第一節 一般規定\n第一條 為了規範管理，制定本辦法。\n第十條 本辦法自發布之日起施行。\n",
        ["第一条", "第十条"],
    ),
    "law-digits-and-fullwidth-digits": (
        "第 1 条 为了规范管理。\n第２条 适用范围。\n第3条：施行日期。\n",
        ["第一条", "第二条", "第三条"],
    ),
    "law-indented-crlf-blank-lines": (
        "\r\n\u3000\u3000第一条\u3000为了规范管理。  \r\n\r\n\r\n \t第二条 本办法适用于本市。\r\n\r\n",
        ["第一条", "第二条"],
    ),
    "law-zhi-yi": ("第一条 总则。\n第一条之一 补充。\n第二条 施行。\n", ["第一条", "第一条之一", "第二条"]),
    "plan-fullwidth": (
        "为了推进工作，制定本方案。\n一、总体要求\n（一）明确目标。到2026年完成。\n（二）压实责任。各区落实。\n",
        ["前言", "（一）", "（二）"],
    ),
    "plan-ascii-parens": (
        "为了推进工作，制定本方案。\n一、总体要求\n(一)明确目标。到2026年完成。\n( 二 ) 压实责任。各区落实。\n",
        ["前言", "（一）", "（二）"],
    ),
    "only-yi-numbering": (
        "各区：\n现将有关事项通知如下。\n一、申请条件。具有本市户籍。\n二. 申请材料。身份证。\n三．办理流程。网上申请。\n",
        ["前言", "一、", "二、", "三、"],
    ),
    "paren-numbering-restarts-per-part": (
        "一、目标\n（一）第一项。\n（二）第二项。\n二、措施\n（一）第三项。\n",
        ["一、", "二、"],
    ),
    "no-numbering": ("关于做好假期安排的通知\n请各单位做好值班安排。\n特此通知。\n", ["前言"]),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_layout_gives_the_expected_articles(name: str) -> None:
    text, expected = LAYOUTS[name]
    document = parse(text)
    assert labels(document) == expected
    for article in document.articles:
        body = document.article_text(article)
        assert body == body.strip(" \t\u3000\r\n"), "article spans hold no stray whitespace at either end"
        assert body and "\r" not in body.splitlines()[0]


def test_traditional_labels_keep_their_printed_form_and_chapter_and_section() -> None:
    document = parse(LAYOUTS["law-traditional"][0])
    first = document.article("第一條")
    assert first is not None and first is document.article("第一条")
    assert first.printed == "第一條"
    assert first.chapter == "第一章 總則"
    assert first.section == "第一節 一般規定"
    assert [(p.kind, p.label) for p in document.parts] == [
        ("chapter", "第一章"),
        ("section", "第一节".replace("节", "節")),
    ]


def test_paren_printed_form_is_kept_and_heading_found() -> None:
    document = parse(LAYOUTS["plan-ascii-parens"][0])
    second = document.article("(二)")
    assert second is not None
    assert second.printed == "( 二 )"
    assert second.heading == "压实责任"
    assert second.part == "一、总体要求"
    assert second.citation_label == "第（二）条「压实责任」"


def test_parts_as_articles_have_headings_and_readable_citations() -> None:
    document = parse(LAYOUTS["only-yi-numbering"][0])
    second = document.article("二.")
    assert second is not None and second is document.article("二、")
    assert second.printed == "二."
    assert second.heading == "申请材料"
    assert second.citation_label == "二、「申请材料」"
    assert not document.parts, "parts used as articles are not also parts"


def test_restarting_paren_numbering_becomes_items_of_the_parts() -> None:
    document = parse(LAYOUTS["paren-numbering-restarts-per-part"][0])
    first = document.article("一、")
    assert first is not None
    assert [document.text[s.start : s.end] for s in first.items] == ["（一）第一项。", "（二）第二项。"]


def test_document_without_numbering_is_one_preamble_article() -> None:
    text = LAYOUTS["no-numbering"][0]
    document = parse(text)
    (only,) = document.articles
    assert only.label == only.citation_label == "前言"
    assert document.article_text(only) == text.strip()


ITEMS = {
    "arabic-dot": ("1.", "2．", "3、"),
    "arabic-paren": ("（1）", "(2)", "（ 3 ）"),
    "chinese-paren": ("（一）", "（二）", "(三)"),
    "circled": ("①", "②", "③"),
}


@pytest.mark.parametrize("name", sorted(ITEMS))
def test_numbered_items_inside_an_article(name: str) -> None:
    markers = ITEMS[name]
    body = "\n".join(f"  {m}第{i}项内容；" for i, m in enumerate(markers, 1))
    document = parse(f"第一条 申请人应当提交下列材料：\n{body}\n1.5倍以上的不算条目。\n第二条 施行。\n")
    article = document.article("第一条")
    assert article is not None
    items = [document.text[s.start : s.end] for s in article.items]
    assert items == [f"{m}第{i}项内容；" for i, m in enumerate(markers, 1)]
    for span in article.items:
        assert article.span.start <= span.start < span.end <= article.span.end


def test_items_in_a_plan_article() -> None:
    text = "一、总体要求\n（一）支持政策。包括：\n1.培训补贴；\n2.鉴定补贴。\n（二）其他。\n"
    article = parse(text).article("（一）")
    assert article is not None
    assert len(article.items) == 2


@pytest.mark.parametrize(
    "marker, label",
    [("附件1：", "附件1"), ("附件 2 ", "附件2"), ("附件一", "附件一"), ("附件：", "附件")],
)
def test_appendix_sections_become_articles(marker: str, label: str) -> None:
    text = f"第一条 总则。\n第二条 申请表见附件。\n{marker}申请表\n姓名：\n第一条 这是附件里的条文。\n"
    document = parse(text)
    assert labels(document) == ["第一条", "第二条", label]
    appendix = document.article(label)
    assert appendix is not None
    assert document.article_text(appendix).endswith("这是附件里的条文。"), "附件 text stays in the appendix"
    assert [p.kind for p in document.parts] == ["appendix"]


def test_a_repeated_appendix_label_is_told_apart_by_its_occurrence() -> None:
    text = "第一条 总则。\n附件：申请表\n姓名：\n附件：承诺书\n本人承诺。\n附件：清单\n材料一。\n"
    document = parse(text)
    assert labels(document) == ["第一条", "附件", "附件（二）", "附件（三）"]
    assert [a.printed for a in document.articles[1:]] == ["附件"] * 3
    assert [p.label for p in document.parts] == ["附件", "附件（二）", "附件（三）"]
    for spelling, ending in (
        ("附件", "姓名："),
        ("附件(2)", "本人承诺。"),
        ("附件（三）", "材料一。"),
        ("t#附件(二)", "本人承诺。"),
    ):
        article = document.article(spelling)
        assert article is not None and document.article_text(article).endswith(ending), spelling
    cited = document.article("附件（二）")
    assert cited is not None and cited.citation_label == "附件（二）「承诺书」"


def test_word_appendix_inside_a_sentence_is_not_an_appendix() -> None:
    document = parse("第一条 总则。\n附件所列材料应当齐全。\n第二条 施行。\n")
    assert labels(document) == ["第一条", "第二条"]


def test_cross_reference_at_line_start_does_not_open_an_article() -> None:
    document = parse("第一条 总则。\n第二条 有下列情形的：\n第一条规定的人员除外。\n第三条 施行。\n")
    assert labels(document) == ["第一条", "第二条", "第三条"]
    second = document.article("第二条")
    assert second is not None and document.article_text(second).endswith("第一条规定的人员除外。")


def test_books_chapters_and_sections_nest() -> None:
    text = (
        "第一编 总则\n第一章 基本规定\n第一条 甲。\n第二编 分则\n第一分编 通则\n第一章 一般规定\n"
        "第一节 定义\n第二条 乙。\n第二节 范围\n第三条 丙。\n第二章 附则\n第四条 丁。\n"
    )
    document = parse(text)
    assert [(a.label, a.chapter, a.section) for a in document.articles] == [
        ("第一条", "第一章 基本规定", ""),
        ("第二条", "第一章 一般规定", "第一节 定义"),
        ("第三条", "第一章 一般规定", "第二节 范围"),
        ("第四条", "第二章 附则", ""),
    ]
    books = [p for p in document.parts if p.kind in {"book", "subbook"}]
    assert [(p.kind, p.label) for p in books] == [
        ("book", "第一编"),
        ("book", "第二编"),
        ("subbook", "第一分编"),
    ]
    assert books[0].span.slice(document.text).endswith("第一条 甲。")
    assert books[1].span.slice(document.text).endswith("第四条 丁。")


def test_sentences_split_at_full_and_half_width_stops() -> None:
    document = parse("第一条 第一句。第二句！第三句? 第四句\n第五句\n")
    article = document.articles[0]
    assert [s.slice(document.text) for s in article.sentences] == [
        "第一条 第一句。",
        "第二句！",
        "第三句?",
        "第四句",
        "第五句",
    ]


def test_notice_announcing_an_attached_regulation_parses_the_regulation() -> None:
    text = (
        "关于印发《某市就业补贴办法》的通知\n各区人社局：\n现将办法印发给你们。\n某市人社局\n2024年1月2日\n"
        "附件：某市就业补贴办法\n某市就业补贴办法\n第一章 总则\n第一条 为了促进就业，制定本办法。\n第二条 施行。\n"
    )
    document = parse(text)
    assert labels(document) == ["前言", "第一条", "第二条"]
    assert document.article("第一条").chapter == "第一章 总则"  # type: ignore[union-attr]
