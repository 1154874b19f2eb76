from __future__ import annotations

from corpus.chunker import chunk_document
from corpus.models import Document
from corpus.tokens import count_tokens

HEADINGS = [
    "实施数字技术工程师培育项目",
    "推进数字技能提升行动",
    "推进数字领域国际职业资格认可",
    "加大数字人力资源服务力度",
    "加大数字技术技能人才创新创业支持力度",
    "畅通数字技术技能人才流动渠道",
    "举办数字技术技能竞赛活动",
    "打造数字领域“产学研用”一体化人才培育平台",
    "深化数字领域“校企合作”人才培育模式",
    "优化培养政策",
    "健全评价体系",
    "完善分配制度",
    "落实经费保障",
    "强化激励引导",
]
LABELS = [
    "（一）",
    "（二）",
    "（三）",
    "（四）",
    "（五）",
    "（六）",
    "（七）",
    "（八）",
    "（九）",
    "（十）",
    "（十一）",
    "（十二）",
    "（十三）",
    "（十四）",
]


def test_notice_has_preamble_and_fourteen_articles_in_four_parts(notice: Document) -> None:
    labels = [a.label for a in notice.articles]
    assert labels == ["前言", *LABELS]
    assert [a.heading for a in notice.articles[1:]] == HEADINGS
    assert [(p.label, p.title) for p in notice.parts] == [
        ("一、", "加快推进数字技术技能人才培育重点项目"),
        ("二、", "加大数字技术技能人才培育支持力度"),
        ("三、", "打造数字技术技能人才培育示范平台"),
        ("四、", "完善数字技术技能人才培育保障体系"),
    ]
    per_part = [sum(1 for a in notice.articles if a.part.startswith(p.label)) for p in notice.parts]
    assert per_part == [3, 3, 3, 5]


def test_comment_line_is_a_note_not_part_of_any_article(notice: Document) -> None:
    assert [n.slice(notice.text) for n in notice.notes] == [
        "(注:1.只接收对该政策性文件的相关咨询;2.留言时请注明政策性文件名称)"
    ]
    last = notice.article("（十四）")
    assert last is not None
    assert "只接收" not in notice.article_text(last)
    assert notice.article_text(last).endswith("安家生活等方面给予支持或提供便利。")


def test_notice_header_fields(notice: Document) -> None:
    header = notice.notice
    assert header is not None
    assert header.addressees and header.addressees.slice(notice.text).startswith("市政府各有关委、办、局")
    assert header.issuer and header.issuer.slice(notice.text) == "上海市人力资源和社会保障局"
    assert header.date and header.date.slice(notice.text) == "2024年11月12日"
    assert notice.plan_title and notice.plan_title.slice(notice.text) == notice.title
    assert notice.meta.validity == "2024–2026年"
    assert "人社部发〔2024〕37号" in notice.meta.implements
    assert notice.meta.consultation_rule.startswith("只接收对该政策性文件的相关咨询")


def test_article_lookup_accepts_ascii_and_fullwidth_labels(notice: Document) -> None:
    a = notice.article("(十三)")
    assert a is not None and a is notice.article("（十三）")
    assert a.printed == "(十三)"
    assert a.citation_label == "第（十三）条「落实经费保障」"
    assert notice.article("sh-digital-talent-2024#（十三）") is a
    assert notice.article("（十五）") is None


def test_sentences_and_chunks_slice_back_to_the_source(notice: Document) -> None:
    for article in notice.articles:
        body = notice.article_text(article)
        assert body.strip() == body
        for s in article.sentences:
            assert s.slice(notice.text) in body
    chunks = chunk_document(notice)
    assert list(dict.fromkeys(c.article for c in chunks)) == [a.label for a in notice.articles]
    assert sum(1 for c in chunks if c.pieces == 1) >= 12, "most articles fit one chunk"
    for c in chunks:
        assert notice.text[c.start : c.end] == c.text


def test_long_article_splits_at_sentences_and_repeats_header(notice: Document) -> None:
    chunks = chunk_document(notice, max_tokens=120)
    split = [c for c in chunks if c.pieces > 1]
    assert split, "a 120-token budget must split some articles"
    for c in split:
        assert notice.text[c.start : c.end] == c.text
        assert notice.article(c.article).citation_label in c.header  # type: ignore[union-attr]
        article = notice.article(c.article)
        assert article is not None
        enclosing = next(s for s in article.sentences if s.start < c.end <= s.end)
        too_long = count_tokens(enclosing.slice(notice.text)) > 120 - count_tokens(c.header)
        assert c.end == enclosing.end or too_long, "pieces end at sentence boundaries"
    first = notice.article(split[0].article)
    assert first is not None
    pieces = [c for c in split if c.article == first.label]
    joined = "".join(notice.text[p.start : p.end] for p in pieces)
    assert "".join(joined.split()) == "".join(notice.article_text(first).split()), "pieces cover the article"
