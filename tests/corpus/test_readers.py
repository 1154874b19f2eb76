"""Every reader gives the same articles as the .txt: the notice rebuilt as .txt (three encodings),
.md, .docx, .pdf (real CID-font Chinese PDF from reportlab) and a noisy government .html page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from corpus.loader import default_corpus_dir, load_document
from corpus.models import Document
from corpus.readers import read_text

NOTICE = "sh-digital-talent-2024"


@pytest.fixture(scope="module")
def notice_lines() -> list[str]:
    text = (default_corpus_dir() / f"{NOTICE}.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def reference(notice_lines: list[str], tmp_path_factory: pytest.TempPathFactory) -> Document:
    path = tmp_path_factory.mktemp("ref") / f"{NOTICE}.txt"
    path.write_text("\n".join(notice_lines) + "\n", encoding="utf-8")
    return load_document(path)


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _structure(document: Document) -> list[tuple[str, str, str]]:
    return [(a.label, a.heading, a.part) for a in document.articles]


def _assert_same_articles(document: Document, reference: Document) -> None:
    assert _structure(document) == _structure(reference)
    assert len(document.articles) == 15
    for got, want in zip(document.articles, reference.articles, strict=True):
        assert _squash(document.article_text(got)) == _squash(reference.article_text(want)), got.label
        assert document.article_text(got) == got.span.slice(document.text)
    assert document.notice is not None and document.notice.date is not None
    assert document.notice.date.slice(document.text) == "2024年11月12日"
    assert [_squash(n.slice(document.text)) for n in document.notes] == [
        _squash(n.slice(reference.text)) for n in reference.notes
    ]


# --- builders: one per format, each writes the notice into a file --------------------------------


def write_txt(lines: list[str], path: Path, encoding: str) -> Path:
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


def write_md(lines: list[str], path: Path) -> Path:
    out = ["---", "source: rsj.sh.gov.cn", "---", f"# {lines[0]}", ""]
    for line in lines[1:]:
        if re.match(r"^[一二三四五六七八九十]+、", line):
            out += [f"## {line}", ""]
        elif m := re.match(r"^(\([一二三四五六七八九十]+\))(.*?。)(.*)$", line):
            out += [f"**{m.group(1)}{m.group(2)}**{m.group(3)}", ""]
        else:
            out += [line, ""]
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def write_docx(lines: list[str], path: Path) -> Path:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.add_heading(lines[0], level=1)
    for line in lines[1:]:
        paragraph = document.add_paragraph(line)
        paragraph.paragraph_format.first_line_indent = Pt(24)
    document.save(str(path))
    return path


def write_pdf(lines: list[str], path: Path) -> Path:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cn", fontName="STSong-Light", fontSize=11, leading=16, wordWrap="CJK")

    def page_number(canvas: object, doc: object) -> None:
        canvas.setFont("STSong-Light", 9)  # type: ignore[attr-defined]
        canvas.drawCentredString(300, 20, f"- {doc.page} -")  # type: ignore[attr-defined]

    template = SimpleDocTemplate(str(path), title="通知")
    story = [Paragraph(html.escape(line), style) for line in lines]
    template.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return path


def write_html(lines: list[str], path: Path) -> Path:
    body = "\n".join(f'<p style="text-indent:2em">&nbsp;&nbsp;{html.escape(line)}</p>' for line in lines[1:])
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(lines[0])}_上海市人力资源和社会保障局</title>
<style>.nav a {{ color: #fff }}</style>
<script>var _hmt = _hmt || []; document.write("统计代码");</script></head>
<body>
<div class="header"><img src="logo.png" alt="上海市人力资源和社会保障局"><a href="/">首页</a></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/bsfw/">办事服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a>政策文件</a></div>
<div class="main">
  <div class="sidebar"><h3>相关文件</h3><ul><li>关于做好2024年职业技能提升工作的通知</li></ul></div>
  <div class="article">
    <h1 class="article-title">{html.escape(lines[0])}</h1>
    <div class="article-info">发布时间：2024-11-15 来源：市人社局 浏览次数：1024</div>
    <div class="article-content" id="ivs_content">
{body}
    </div>
    <div class="share">分享到：微信 微博</div>
    <div class="print-tools">【打印本页】【关闭窗口】</div>
  </div>
</div>
<footer><p>主办单位：上海市人力资源和社会保障局 沪ICP备12345678号</p></footer>
<script src="/js/jquery.min.js"></script><noscript>请启用JavaScript</noscript>
</body></html>"""
    path.write_text(page, encoding="utf-8")
    return path


BUILDERS: dict[str, tuple[str, Callable[[list[str], Path], Path]]] = {
    "txt-utf8": (".txt", lambda lines, p: write_txt(lines, p, "utf-8")),
    "txt-utf8-bom": (".txt", lambda lines, p: write_txt(lines, p, "utf-8-sig")),
    "txt-gb18030": (".txt", lambda lines, p: write_txt(lines, p, "gb18030")),
    "txt-utf16": (".txt", lambda lines, p: write_txt(lines, p, "utf-16")),
    "md": (".md", write_md),
    "docx": (".docx", write_docx),
    "pdf": (".pdf", write_pdf),
    "html": (".html", write_html),
}


@pytest.mark.parametrize("fmt", list(BUILDERS))
def test_each_format_gives_the_articles_of_the_txt(
    fmt: str, notice_lines: list[str], reference: Document, tmp_path: Path
) -> None:
    suffix, build = BUILDERS[fmt]
    path = build(notice_lines, tmp_path / f"notice{suffix}")
    document = load_document(path)
    _assert_same_articles(document, reference)
    assert document.title == reference.title


def test_html_reader_drops_site_noise(notice_lines: list[str], tmp_path: Path) -> None:
    text = read_text(write_html(notice_lines, tmp_path / "page.html"))
    for noise in (
        "首页",
        "统计代码",
        "当前位置",
        "相关文件",
        "分享到",
        "打印本页",
        "沪ICP备",
        "浏览次数",
        "JavaScript",
    ):
        assert noise not in text, noise
    assert text.startswith(f"{notice_lines[0]}\n{notice_lines[1]}\n"), "title above the content is kept"


def test_html_without_content_container_uses_the_body(tmp_path: Path) -> None:
    path = tmp_path / "plain.html"
    path.write_text("<html><body><p>第一条 甲。</p><p>第二条 乙。</p></body></html>", encoding="utf-8")
    assert read_text(path) == "第一条 甲。\n第二条 乙。"


def test_pdf_reader_drops_page_numbers_and_rejoins_wrapped_lines(
    notice_lines: list[str], tmp_path: Path
) -> None:
    text = read_text(write_pdf(notice_lines, tmp_path / "notice.pdf"))
    assert not re.search(r"^-\s*\d+\s*-$", text, re.M)
    assert text.splitlines() == notice_lines


def test_docx_keeps_tables_in_reading_order(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("第一条 补贴标准如下表：")
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([("等级", "金额"), ("初级", "1000元")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("第二条 本办法自发布之日起施行。")
    path = tmp_path / "law.docx"
    document.save(str(path))
    parsed = load_document(path)
    first = parsed.article("第一条")
    assert first is not None
    assert parsed.article_text(first) == "第一条 补贴标准如下表：\n等级\t金额\n初级\t1000元"
