"""``policy-assistant eval run … --reviewed FILE``: the eval serves a hotline's reviewed answers
(人工审核答复) as the app does, from a temporary channel database — never the configured one.

The import file is the staff import's (CSV or JSON Lines, channel/faq_import.py) and is checked
the same way; a bad row stops the run. Its answers' questions and phrasings become labelled
questions of the articles they cite (ui/reviewed_retrieval.py, as in every serving process), and
beside each answer the eval records the reviewed answer the app would show
(``ReviewedAnswers.matching``, as the chat page and the API call it). The database and its folder
are removed when the run ends.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from assistant.models import Answer
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from corpus.models import Document
from evals.qa_file import QAItem
from evals.scoring import same_question

if TYPE_CHECKING:
    from channel.store import ChannelStore, ReviewedAnswer

Key = tuple[str, str]


class ReviewedFileError(Exception):
    """The import file cannot be served: unreadable, a bad row, or a QA label naming no answer in it.
    The message is Chinese, one problem a line."""


class _Documents:
    """What importing reads of a pipeline: its documents (the eval's pipeline is opened after the
    import, since it searches the imported phrasings)."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.documents = {d.doc_id: d for d in documents}


@dataclass(frozen=True)
class ReviewedChannel:
    """The imported answers in their temporary database."""

    path: Path
    store: ChannelStore
    answers: tuple[ReviewedAnswer, ...]

    @property
    def phrasings(self) -> dict[Key, list[str]]:
        """Labelled questions for retrieval, as a serving process reads them."""
        from ui.reviewed_retrieval import by_cited_article

        return by_cited_article(self.answers)

    def shown(self, pipeline: Pipeline) -> ShownBeside:
        return ShownBeside(self.store, pipeline)

    def unknown_labels(self, items: Sequence[QAItem]) -> list[str]:
        """Items whose ``reviewed`` label names no answer of the file (by its question)."""
        out = []
        for item in items:
            label = item.reviewed
            if isinstance(label, str) and not any(same_question(label, a.question) for a in self.answers):
                out.append(
                    f"第 {item.line} 行（{item.id}）：reviewed「{label[:60]}」不是 {self.path.name} "
                    "中任何一条审核答复的问题（question 列）"
                )
        return out


class ShownBeside:
    """The questions of the reviewed answers the app shows beside an answer."""

    def __init__(self, store: ChannelStore, pipeline: Pipeline) -> None:
        from channel.reviewed import ReviewedAnswers

        self._reviewed = ReviewedAnswers(store, lambda: pipeline)

    def __call__(self, answer: Answer) -> list[str]:
        return [found.question for found in self._reviewed.matching(answer)]


@contextmanager
def reviewed_channel(path: Path, documents: Sequence[Document]) -> Iterator[ReviewedChannel]:
    """Import ``path`` into a new SQLite database in a temporary folder, removed on exit."""
    from channel.faq_import import import_faq, read_upload
    from channel.service import ChannelError, ChannelService
    from channel.store import ChannelStore

    try:
        text, format = read_upload(path.read_bytes(), path.name)
    except OSError as exc:
        raise ReviewedFileError(f"无法读取审核答复文件 {path}：{exc.strerror or exc}") from exc
    except ChannelError as exc:
        raise ReviewedFileError(f"{path}：{exc}") from exc
    with tempfile.TemporaryDirectory(prefix="policy-eval-reviewed-") as folder:
        store = ChannelStore(f"sqlite:///{Path(folder) / 'channel.sqlite3'}")
        try:
            channel = ChannelService(store, lambda: cast(Pipeline, _Documents(documents)))
            try:
                report = import_faq(channel, text, format, actor="eval")
            except ChannelError as exc:
                raise ReviewedFileError(f"{path}：{exc}") from exc
            if report.errors:
                lines = "\n".join(f"  第 {line} 行：{error}" for line, error in report.errors)
                raise ReviewedFileError(f"{path}：{len(report.errors)} 行不能导入，未运行\n{lines}")
            answers = tuple(store.reviewed_answers(published_only=True))
            repeated = [
                a.question
                for i, a in enumerate(answers)
                if any(same_question(a.question, b.question) for b in answers[:i])
            ]
            if repeated:
                raise ReviewedFileError(
                    f"{path}：问题「{repeated[0][:60]}」出现了不止一次：问答集按问题指认审核答复，请合并或改写。"
                )
            yield ReviewedChannel(path, store, answers)
        finally:
            store.close()


def reviewed_pipeline(
    settings: Settings,
    documents: list[Document],
    reviewed: ReviewedChannel,
    mode: str | None,
    k: int | None,
    held_out: Sequence[Path],
) -> Pipeline:
    """``make_pipeline``'s pipeline, its retriever also searching the reviewed answers' phrasings."""
    from assistant.factory import make_pipeline_from, open_retriever

    retriever = open_retriever(settings, documents, held_out=held_out, extra_phrasings=reviewed.phrasings)
    return make_pipeline_from(settings, documents, retriever, mode=mode, k=k)
