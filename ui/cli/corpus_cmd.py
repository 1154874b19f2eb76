"""``policy-assistant corpus list|show``: the loaded documents and their articles."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from corpus.loader import load_corpus
from corpus.models import Document, LoadReport
from ui.cli.common import console, err_console, fail, load_settings

app = typer.Typer(help="查看语料：文件列表与条款原文。", no_args_is_help=True)

CorpusOption = typer.Option(None, "--corpus", help="语料目录（默认 POLICY_CORPUS_DIR）")


def _load(corpus: Path | None) -> LoadReport:
    folder = corpus or load_settings().corpus_dir
    try:
        report = load_corpus(folder)
    except Exception as exc:
        fail(str(exc))
    for error in report.errors:
        err_console.print(f"[yellow]跳过[/] {error}", highlight=False, soft_wrap=True)
    return report


COLUMNS = ("编号", "标题", "发文机关", "发布日期", "有效期", "条款数")


def _row(d: Document) -> dict[str, object]:
    """What ``corpus list`` shows of one document (the ``--json`` object)."""
    meta = d.meta
    return {
        "doc_id": d.doc_id,
        "title": d.title,
        "short_title": meta.short_title,
        "issuer": meta.issuer,
        "issued": meta.issued.isoformat() if meta.issued else None,
        "valid_from": meta.valid_from,
        "valid_to": meta.valid_to,
        "validity": meta.validity,
        "articles": len(d.articles),
    }


def _cells(d: Document) -> tuple[str, ...]:
    issued = d.meta.issued.isoformat() if d.meta.issued else ""
    return (d.doc_id, d.title, d.meta.issuer, issued, d.meta.validity, str(len(d.articles)))


@app.command("list")
def list_documents(
    corpus: Path | None = CorpusOption,
    as_json: bool = typer.Option(
        False,
        "--json",
        help="输出 JSON 数组（doc_id、title、short_title、issuer、issued、valid_from、valid_to、validity、articles）",
    ),
) -> None:
    """列出语料中的政策文件（输出到管道或文件时每行一个文件、以制表符分隔，编号完整）。"""
    report = _load(corpus)
    if as_json:
        typer.echo(json.dumps([_row(d) for d in report.documents], ensure_ascii=False))
        return
    if not console.is_terminal:
        # piped or redirected: whole values, tab-separated, one document a line, nothing cut
        for cells in (COLUMNS, *(_cells(d) for d in report.documents)):
            typer.echo("\t".join(" ".join(c.split()) for c in cells))
        return
    table = Table(title="政策文件")
    widest_id = max((len(d.doc_id) for d in report.documents), default=4)
    table.add_column(COLUMNS[0], no_wrap=True, min_width=widest_id)  # an id is never cut
    for column in COLUMNS[1:]:
        table.add_column(column)
    for d in report.documents:
        table.add_row(*_cells(d))
    console.print(table)


def _find(report: LoadReport, doc: str) -> Document:
    for d in report.documents:
        if d.doc_id == doc:
            return d
    known = ", ".join(d.doc_id for d in report.documents) or "（无）"
    fail(f"没有编号为 {doc} 的文件；可用的编号：{known}")


@app.command("show")
def show(
    doc: str = typer.Argument(..., help="文件编号，见 corpus list"),
    article: str | None = typer.Argument(None, help="条款标签，如 （十三）、(十三)、第六十八条、前言"),
    corpus: Path | None = CorpusOption,
) -> None:
    """显示一个文件的条款目录，或某一条款的原文。"""
    report = _load(corpus)
    document = _find(report, doc)
    if article:
        found = document.article(article)
        if found is None:
            labels = "、".join(a.label for a in document.articles)
            fail(f"{document.doc_id} 中没有条款 {article}；可用的条款：{labels}")
        console.print(f"[bold]{document.meta.display_title} {found.citation_label}[/]", highlight=False)
        if found.part:
            console.print(f"[dim]{found.part}[/]", highlight=False)
        # soft_wrap keeps the verbatim text free of inserted line breaks
        console.print(document.article_text(found), highlight=False, markup=False, soft_wrap=True)
        return
    meta = document.meta
    console.print(f"[bold]{meta.display_title}[/]", highlight=False)
    for name, value in (
        ("发文机关", meta.issuer),
        ("发布日期", meta.issued.isoformat() if meta.issued else ""),
        ("文件类型", f"{meta.kind}（随{meta.issued_with}印发）" if meta.issued_with else meta.kind),
        ("落实文件", meta.implements),
        ("有效期", meta.validity),
        ("来源", meta.source),
        ("咨询须知", meta.consultation_rule),
    ):
        if value:
            console.print(f"{name}：{value}", highlight=False)
    table = Table(title="条款")
    for column in ("标签", "标题", "所属部分", "字数"):
        table.add_column(column)
    for a in document.articles:
        table.add_row(a.label, a.heading, a.part or a.chapter, str(a.span.end - a.span.start))
    console.print(table)


@app.command("phrasings")
def phrasings(
    qa_files: list[Path] = typer.Argument(
        ..., help="问答集（.jsonl 或 .csv，可多个）：每个问题及其答案所在的条款"
    ),
    corpus: Path | None = CorpusOption,
) -> None:
    """把问答集中带标注条款的问题写成检索用的“标注问法”（语料目录 phrasings/，替换原有的）。

    只取独立的问题和对话的第一轮（追问离开上下文没有意义），不取应拒答的问题。评测某个问答集时，
    来自该问答集的标注问法不参与检索。
    """
    from corpus.phrasings import Phrasing, write_phrasings
    from evals.qa_file import QAFileError, load_qa_file

    report = _load(corpus)
    folder = corpus or load_settings().corpus_dir
    labelled = []
    for qa_file in qa_files:
        try:
            qa = load_qa_file(qa_file)
            if qa.problems:  # nothing is written from a file with broken rows
                raise QAFileError(qa_file, list(qa.problems))
        except QAFileError as exc:
            fail(str(exc))
        labelled += [(qa_file, item) for item in qa.items]
    only = report.documents[0].doc_id if len(report.documents) == 1 else None
    rows: dict[str, list[Phrasing]] = {}
    skipped = 0
    for qa_file, item in labelled:
        if item.must_refuse or (item.turn or 1) > 1:
            continue
        for expected in item.expected:
            doc_id = expected.doc_id or only
            document = next((d for d in report.documents if d.doc_id == doc_id), None)
            article = document.article(expected.article) if document else None
            if document is None or article is None:
                skipped += 1
                continue
            rows.setdefault(document.doc_id, []).append(
                Phrasing(document.doc_id, article.label, item.question, f"{qa_file.as_posix()}#{item.id}")
            )
    for doc_id, found in rows.items():
        path = write_phrasings(folder, doc_id, found)
        console.print(f"{doc_id}：{len(found)} 条标注问法 → {path}", highlight=False)
    if skipped:
        err_console.print(f"[yellow]跳过[/] {skipped} 个条款不在语料中的标注", highlight=False)
    if not rows:
        fail("问答集中没有可用的标注问题")
