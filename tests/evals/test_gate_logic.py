"""The gate compares metrics with evals/thresholds.json; a broken retriever fails it (fast, fake pipeline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.models import Document
from evals.evaluate import evaluate
from evals.gate import DEFAULT_THRESHOLDS, GateFailure, Thresholds, check_gate
from evals.qa_file import QAItem
from evals.run_files import RunInfo
from tests.evals.conftest import FakePipeline, oracle_retriever, shuffled_retriever

D = "sh-digital-talent-2024"
INFO = RunInfo(qa_file="evals/dev", mode="extractive", k=5)


def test_thresholds_file_has_a_bound_for_every_headline_quality_metric() -> None:
    thresholds = Thresholds.load(DEFAULT_THRESHOLDS)
    assert set(thresholds.minimum) >= {
        "hit_at_1",
        "hit_at_3",
        "mrr",
        "citation_precision",
        "citation_recall",
        "must_include_recall",
        "refusal_accuracy",
        "asks_answered",
        "not_stated_recall",
    }
    assert thresholds.maximum == {"unverified_citations": 0, "false_affirmatives": 0}


def test_check_gate_names_each_failing_metric() -> None:
    thresholds = Thresholds(
        minimum={"hit_at_3": 0.9, "mrr": 0.5, "citation_recall": 0.1}, maximum={"unverified_citations": 0}
    )
    failures = check_gate({"hit_at_3": 0.85, "mrr": 0.5, "unverified_citations": 2}, thresholds)
    assert failures == [
        GateFailure("hit_at_3", 0.85, 0.9, "min"),
        GateFailure("citation_recall", None, 0.1, "min"),
        GateFailure("unverified_citations", 2, 0, "max"),
    ]
    assert str(failures[0]) == "hit_at_3 = 0.85 is below minimum 0.9"
    assert str(failures[1]) == "citation_recall = missing is below minimum 0.1"


def test_thresholds_file_rejects_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"minimum": {"mrr": 1}}), encoding="utf-8")
    with pytest.raises(ValueError, match="expected keys min, max"):
        Thresholds.load(path)


def test_oracle_pipeline_passes_and_broken_retriever_fails_the_gate(
    documents: list[Document], dev_items: list[QAItem]
) -> None:
    loaded = Thresholds.load(DEFAULT_THRESHOLDS)
    # the fake pipeline quotes the expected articles but writes no opening: retrieval and citations only
    answering = {"asks_answered", "not_stated_recall"}
    thresholds = Thresholds({k: v for k, v in loaded.minimum.items() if k not in answering}, loaded.maximum)
    good, _ = evaluate(FakePipeline(documents, oracle_retriever(dev_items, D)), dev_items, documents, INFO)
    assert check_gate(good, thresholds) == []

    broken, _ = evaluate(
        FakePipeline(documents, shuffled_retriever(dev_items, D)), dev_items, documents, INFO
    )
    failed = {f.metric for f in check_gate(broken, thresholds)}
    assert {"hit_at_1", "hit_at_3", "mrr", "citation_precision", "citation_recall"} <= failed
    assert broken["hit_at_3"] == 0.0
