"""Labelled phrasings: questions people asked, each with the article that answers it.

They live beside the documents, one JSON Lines file per document in the corpus folder's
``phrasings/`` subfolder, named after the document's id::

    corpus/documents/phrasings/sh-digital-talent-2024.jsonl
    {"article": "（十三）", "question": "考了证能领补贴吗", "source": "evals/dev#q071"}

Retrieval indexes them as a second field of their article (index/phrasings.py): a question
worded like an earlier one finds its article even when the article's own text uses other
words (开公司 for 创业, 技能补贴 for 职业技能提升补贴). Sources: a QA set written for the purpose
(``policy-assistant corpus phrasings QA_FILE``), and the hotline's reviewed answers. A line
that cannot be used (bad JSON, an unknown article) is reported with its line number; the others
still load.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus.labels import canonical_label
from corpus.models import Document

log = logging.getLogger(__name__)

FOLDER = "phrasings"


@dataclass(frozen=True)
class Phrasing:
    """One question and the article (doc_id, label) that answers it."""

    doc_id: str
    article: str
    question: str
    source: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc_id, self.article)


@dataclass
class PhrasingsReport:
    phrasings: list[Phrasing] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # 「文件:行：问题」, in Chinese for the operator


def phrasings_file(corpus_dir: Path, doc_id: str) -> Path:
    return corpus_dir / FOLDER / f"{doc_id}.jsonl"


def load_phrasings(corpus_dir: Path, documents: Sequence[Document]) -> PhrasingsReport:
    """The phrasings of the loaded documents; files of documents not loaded are ignored."""
    report = PhrasingsReport()
    for document in documents:
        path = phrasings_file(corpus_dir, document.doc_id)
        if not path.is_file():
            continue
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            report.problems.append(f"{path}：无法读取（{exc}）")
            continue
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            phrasing, problem = _row(raw, document)
            if phrasing is not None:
                report.phrasings.append(phrasing)
            else:
                report.problems.append(f"{path}:{number}：{problem}")
    for problem in report.problems:
        log.warning("phrasing skipped: %s", problem)
    return report


def _row(raw: str, document: Document) -> tuple[Phrasing | None, str]:
    try:
        row = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, f"不是合法的 JSON（{exc.msg}）"
    if not isinstance(row, dict):
        return None, "应为 JSON 对象"
    question, label = row.get("question"), row.get("article")
    if not isinstance(question, str) or not question.strip():
        return None, "question 应为非空字符串"
    if not isinstance(label, str) or document.article(label) is None:
        return None, f"条款 {label!r} 在 {document.doc_id} 中不存在"
    article = document.article(label)
    assert article is not None
    source = row.get("source", "")
    return Phrasing(document.doc_id, article.label, question.strip(), str(source)), ""


def write_phrasings(corpus_dir: Path, doc_id: str, rows: Iterable[Phrasing]) -> Path:
    """Write (replace) a document's phrasings file; returns its path."""
    path = phrasings_file(corpus_dir, doc_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps(
            {"article": p.article, "question": p.question, **({"source": p.source} if p.source else {})},
            ensure_ascii=False,
        )
        for p in rows
    ]
    path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    return path


def by_article(phrasings: Iterable[Phrasing]) -> Mapping[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for p in phrasings:
        out.setdefault((p.doc_id, canonical_label(p.article)), []).append(p.question)
    return out
