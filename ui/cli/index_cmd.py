"""``policy-assistant index`` and ``policy-assistant search``: build the index, query it."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from assistant.factory import build_index, open_retriever, scan_documents
from assistant.question import scrub
from corpus.loader import load_corpus
from corpus.models import CorpusError
from index.fusion_choice import read_choice
from index.models import IndexError_
from index.retriever import prepare_query
from ui.cli.common import console, err_console, fail, load_settings
from ui.index_watch import build_lock


def index(
    corpus: Path | None = typer.Option(None, "--corpus", help="语料目录（默认 POLICY_CORPUS_DIR）"),
    rebuild: bool = typer.Option(False, "--rebuild", help="丢弃现有索引，全部重建"),
) -> None:
    """建立或更新索引（未变化的文件不会重新向量化）。"""
    settings = load_settings()
    if corpus is not None:
        settings = settings.model_copy(update={"corpus_dir": corpus})
    try:
        # large files say when they are read; files over the size limits are skipped by name
        report = load_corpus(
            settings.corpus_dir, progress=lambda line: err_console.print(line, highlight=False)
        )
    except CorpusError as exc:
        fail(f"语料目录无法读取：{exc}")
    for error in report.errors:
        err_console.print(f"[yellow]跳过[/] {error}", highlight=False, soft_wrap=True)
    if not report.documents:
        fail(f"语料目录 {settings.corpus_dir} 中没有可用的政策文件。")
    with Progress(
        TextColumn("向量化"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err_console
    ) as bar:
        task = bar.add_task("embed", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            with build_lock(settings.index_dir):  # a serving process re-indexing: wait for it
                built = build_index(settings, report.documents, progress=progress, rebuild=rebuild)
        except IndexError_ as exc:
            fail(str(exc))
    console.print(
        f"索引完成（{built.seconds:.1f} 秒）：新增 {len(built.added)} 个文件，更新 {len(built.changed)} 个，"
        f"未变化 {len(built.unchanged)} 个，移除 {len(built.removed)} 个；"
        f"共 {built.chunks_total} 个分块，本次向量化 {built.chunks_embedded} 个分块、{built.sentences_embedded} 个句子，"
        f"删除 {built.vectors_removed} 个向量。",
        highlight=False,
    )
    for note in built.notes:
        console.print(f"[dim]{note}[/]", highlight=False)
    choice = read_choice(settings.index_dir)
    if choice is not None:  # which labelled-question weight this corpus chose, on how many questions
        console.print(choice.summary(), highlight=False, soft_wrap=True)
    if report.errors:
        console.print(f"[yellow]{len(report.errors)} 个语料文件被跳过（见上）。[/]", highlight=False)


def search(
    query: str = typer.Argument(..., help="问题，例如「职业技能提升补贴怎么申请？」"),
    k: int = typer.Option(5, "--k", help="返回条款数"),
    doc: str | None = typer.Option(None, "--doc", help="只在此编号的文件中检索"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """检索与问题最相关的条款（关键词 + 向量混合检索）。"""
    settings = load_settings()
    query = scrub(query)  # bytes that were not UTF-8 arrive as lone surrogates
    try:
        prepare_query(query, k)
        retriever = open_retriever(settings, scan_documents(settings))  # parsed as hits need them
        hits = retriever.search(query, k=k, doc_id=doc)
    except (IndexError_, ValueError, CorpusError) as exc:
        fail(str(exc))
    if as_json:
        rows = [
            {
                "doc_id": h.doc_id,
                "doc_title": h.doc_title,
                "article": h.article,
                "heading": h.heading,
                "score": round(h.score, 6),
                "ranks": h.ranks,
            }
            for h in hits
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    console.print(retriever.read_query(query).summary(), highlight=False, soft_wrap=True)
    if retriever.phrasings is not None:
        fusion = retriever.fusion
        console.print(
            f"[dim]标注问法融合：权重 {fusion.phrasing_weight:g}，关键词独立规则 {fusion.stands_alone}[/]",
            highlight=False,
        )
    if not hits:
        console.print("没有找到相关条款。", highlight=False)
        return
    table = Table(title=f"检索：{query[:40]}")
    for column in ("#", "文件", "条款", "标题", "得分", "命中方式"):
        table.add_column(column)
    names = {"bm25": "关键词", "dense": "向量"}
    for i, h in enumerate(hits, start=1):
        found = "、".join(f"{names.get(r, r)}#{n}" for r, n in sorted(h.ranks.items()))
        table.add_row(str(i), h.doc_id, h.article, h.heading, f"{h.score:.4f}", found)
    console.print(table)
