"""``policy-assistant serve``: build the index (or bring it up to date), then serve the web app and API."""

from __future__ import annotations

import logging

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from assistant.pipeline import Pipeline
from assistant.settings import Settings
from corpus.models import Document
from index.manifest import MANIFEST_FILE
from index.models import IndexError_, IndexMissing
from ui.cli.common import console, err_console, fail, load_settings

log = logging.getLogger(__name__)


def build_with_progress(settings: Settings, documents: list[Document], rebuild: bool = False) -> None:
    from assistant.factory import build_index

    with Progress(
        TextColumn("建立索引"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err_console
    ) as bar:
        task = bar.add_task("embed", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = build_index(settings, documents, progress=progress, rebuild=rebuild)
    console.print(
        f"索引完成（{report.seconds:.1f} 秒）：{report.chunks_total} 个分块，本次向量化 {report.chunks_embedded} 个分块、{report.sentences_embedded} 个句子。",
        highlight=False,
    )


def prepare_pipeline(settings: Settings) -> Pipeline:
    """The pipeline to serve; the index is built first when it is missing, else brought up to date.

    An up-to-date index costs a few milliseconds to check; a changed corpus file, or an index
    written by an earlier version (without sentence units), is re-embedded before serving, so
    answers never come from a stale index.
    """
    from assistant.factory import make_pipeline_from, open_retriever
    from corpus.loader import load_corpus

    report = load_corpus(settings.corpus_dir, progress=lambda line: err_console.print(line, highlight=False))
    for error in report.errors:
        err_console.print(f"[yellow]跳过[/] {error}", highlight=False)
    documents = report.documents
    if not documents:
        raise IndexMissing(f"语料目录 {settings.corpus_dir} 中没有可用的政策文件")
    if not (settings.index_dir / MANIFEST_FILE).exists():
        console.print(f"没有找到索引，正在为 {len(documents)} 个政策文件建立索引…", highlight=False)
    build_with_progress(settings, documents)
    retriever = open_retriever(settings, documents)
    retriever.warm_up()
    return make_pipeline_from(settings, documents, retriever)


def rebuild_pipeline(settings: Settings) -> Pipeline:
    """Reload the corpus, update the index (unchanged documents are kept) and open it again."""
    from assistant.factory import build_index, load_documents, make_pipeline_from, open_retriever

    documents = load_documents(settings).documents
    build_index(settings, documents)
    return make_pipeline_from(settings, documents, open_retriever(settings, documents))


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
    port: int = typer.Option(7860, "--port", help="端口"),
) -> None:
    """启动网页（市民咨询、坐席工作台、评测）和 HTTP API；先建立或更新索引。"""
    import uvicorn

    from ui.app import create_app

    settings = load_settings()
    try:
        pipeline = prepare_pipeline(settings)
    except IndexError_ as exc:
        fail(f"{exc}\n如索引已损坏，可运行 `policy-assistant index --rebuild` 重建。")
    except ValueError as exc:
        fail(str(exc))
    app = create_app(pipeline, settings, reindex=lambda: rebuild_pipeline(settings))
    mode = "离线摘录" if pipeline.mode == "extractive" else "大模型"
    console.print(
        f"政策咨询助手（{mode}模式）：http://{host}:{port}/ · API 文档：http://{host}:{port}/docs",
        highlight=False,
    )
    # The app decides whose X-Forwarded-For to believe (POLICY_TRUSTED_PROXIES); uvicorn's own
    # default would believe any client on 127.0.0.1.
    # On SIGTERM/Ctrl-C answers in progress get 10 s; an open page's heartbeat stream does not hold
    # the shutdown (and with it the conversation log's final write) forever.
    uvicorn.run(
        app, host=host, port=port, log_level="warning", proxy_headers=False, timeout_graceful_shutdown=10
    )
