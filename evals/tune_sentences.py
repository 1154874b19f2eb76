"""Fit how the opening picks the sentence that answers: words against meaning.

The opening quotes, for each thing asked, the sentence of the article that best answers it
(``Opener.rank``): the share of the question's topic a sentence says, blended with how close its
meaning is to the question, words weighing ``WORDS_WEIGHT`` (assistant/opening.py). This scores
every weight of a grid on labelled pairs — a QA item whose ask has answer words (``asks[].
answer_terms``) and whose expected article has sentences with and without them — as the share of
items whose top-ranked sentence holds an answer word. Fit on the ``--fit`` sets, read the
``--check`` sets to see that it holds on questions it was not fitted on::

    python -m evals.tune_sentences --fit evals/dev evals/heldout --check evals/fresh evals/real evals/fresh2

Needs the index (``policy-assistant index``); uses the configured embedder's sentence vectors.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.extractive import ExtractiveAnswerer
from assistant.factory import make_pipeline
from assistant.opening import WORDS_WEIGHT, Quoted
from assistant.settings import Settings
from corpus.models import Span
from evals.qa_file import load_qa_file

#: the kinds of ask whose answer is a sentence of the article (yes/no is settled differently)
SENTENCE_KINDS = frozenset({"content", "conditions", "definition", "amount", "procedure"})
GRID = (1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5, 0.3, 0.0)


@dataclass(frozen=True)
class Pair:
    """A question and the article that answers it, with the sentences that do (``gold``)."""

    item: str
    question: str
    quoted: Quoted
    gold: frozenset[Span]


def pairs(answerer: ExtractiveAnswerer, set_dir: Path) -> list[Pair]:
    out = []
    documents = answerer.documents
    for name in ("qa.jsonl", "conversations.jsonl"):
        path = set_dir / name
        if not path.exists():
            continue
        for item in load_qa_file(path).items:
            words = [t for a in item.asks if a.stated and a.kind in SENTENCE_KINDS for t in a.answer_terms]
            if item.must_refuse or not item.expected or not words:
                continue
            expected = item.expected[0]
            document = documents.get(expected.doc_id) if expected.doc_id else next(iter(documents.values()))
            article = document.article(expected.article) if document else None
            if document is None or article is None:
                continue
            quoted = Quoted(document, article, (), answerer.closeness(item.question, document, article))
            candidates = answerer.opener.rank(quoted, ())
            gold = frozenset(c for c in candidates if any(w in c.slice(document.text) for w in words))
            if gold and len(gold) < len(candidates):  # only a choice that can be wrong teaches
                out.append(Pair(item.id, item.question, quoted, gold))
    return out


def accuracy(answerer: ExtractiveAnswerer, found: Sequence[Pair], words_weight: float) -> float:
    opener = answerer.opener
    right = sum(opener.rank(p.quoted, opener.focus(p.question), words_weight)[0] in p.gold for p in found)
    return right / len(found) if found else 0.0


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", type=Path, nargs="+", required=True, help="QA set folders to fit on")
    parser.add_argument("--check", type=Path, nargs="*", default=[], help="QA set folders to check on")
    args = parser.parse_args(argv)
    pipeline = make_pipeline(Settings(), mode="extractive")
    answerer = pipeline.answerer
    if not isinstance(answerer, ExtractiveAnswerer):
        raise SystemExit("expected the extractive answerer")
    fit = [p for d in args.fit for p in pairs(answerer, d)]
    checks = {d.name: pairs(answerer, d) for d in args.check}
    header = f"{'weight':>6}  {'fit (' + str(len(fit)) + ')':>10}" + "".join(
        f"  {name + ' (' + str(len(found)) + ')':>14}" for name, found in checks.items()
    )
    print(header)
    best = max(GRID, key=lambda w: (accuracy(answerer, fit, w), -abs(w - WORDS_WEIGHT)))
    for weight in GRID:
        row = f"{weight:>6.2f}  {accuracy(answerer, fit, weight):>10.3f}"
        row += "".join(f"  {accuracy(answerer, found, weight):>14.3f}" for found in checks.values())
        marks = (" ← in use" if weight == WORDS_WEIGHT else "") + (" ← best on fit" if weight == best else "")
        print(row + marks)


if __name__ == "__main__":
    main()
