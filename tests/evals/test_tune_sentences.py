"""The fit of words against meaning in sentence choice reads labelled pairs from a QA set."""

from __future__ import annotations

from pathlib import Path

from assistant.extractive import ExtractiveAnswerer
from assistant.factory import make_topic_terms
from corpus.loader import default_corpus_dir, load_corpus
from evals.tune_sentences import accuracy, pairs

DEV = Path(__file__).resolve().parents[2] / "evals" / "dev"


def test_pairs_are_choices_that_can_be_wrong_and_words_alone_score_them() -> None:
    report = load_corpus(default_corpus_dir())
    answerer = ExtractiveAnswerer({d.doc_id: d for d in report.documents}, make_topic_terms(report.documents))
    found = pairs(answerer, DEV)
    assert len(found) >= 50
    for pair in found:
        candidates = answerer.opener.rank(pair.quoted, ())
        assert pair.gold and pair.gold < set(candidates)
    # without sentence vectors only words decide: every weight above zero scores the same
    words_only = accuracy(answerer, found, 1.0)
    assert 0.5 < words_only < 1.0
    assert accuracy(answerer, found, 0.5) == words_only
