"""Choose how the hybrid retriever fuses its rankings, from labelled questions, one set left out at a time.

    python -m evals.tune_fusion evals/dev evals/heldout evals/fresh evals/fresh2 evals/real evals/real2 evals/real3

For each QA set (its single questions with expected articles) the retriever is opened without the
phrasings learned from that set, and three rankings are kept per question: keyword (BM25 with the
phrasing field), dense (the articles' text by meaning) and labelled questions by meaning
(index/phrasing_vectors.py). A grid of fusions is then scored by hit@1 without searching again:

- the weight of the labelled-question ranking (keyword and dense weigh 1.0);
- the rule for when the keyword ranking stands alone: ``confident`` (its first article outscores
  the second by the ratio), ``agree`` (confident, and the nearest labelled question names the
  same article), ``either`` (a ranking by meaning puts the same article first; no ratio);
  ``none`` (always fuse).

Every set is left out in turn: the setting with the best mean hit@1 over the other sets is scored
on it. The printout is each set's figure under the deployed ``Fusion()`` and under the choice, the
macro means, and the best settings over all sets. Never pass a blind set: its items steer the choice.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.factory import load_documents, open_retriever
from assistant.settings import Settings
from evals.qa_file import load_qa_file
from index.retriever import PHRASINGS, Fusion

Key = tuple[str, str]
Ranking = list[tuple[Key, float]]


@dataclass(frozen=True)
class Question:
    expected: frozenset[str]
    keyword: Ranking
    dense: Ranking
    labelled: Ranking


@dataclass(frozen=True)
class Setting:
    labelled_weight: float
    rule: str  # none | confident | agree | either
    ratio: float = 1.3

    def __str__(self) -> str:
        ratio = f", ratio {self.ratio}" if self.rule in ("confident", "agree") else ""
        return f"weight {self.labelled_weight}, {self.rule}{ratio}"


RULES = ("none", "confident", "agree", "either")


def grid() -> list[Setting]:
    settings = [Setting(0.0, "confident", r) for r in (1.2, 1.3, 1.5, 2.0)]
    for weight in (0.5, 1.0, 1.5, 2.0, 3.0):
        settings.append(Setting(weight, "none"))
        settings.append(Setting(weight, "either"))
        settings += [
            Setting(weight, rule, r) for rule in ("confident", "agree") for r in (1.2, 1.3, 1.5, 2.0)
        ]
    return settings


def first(question: Question, setting: Setting, rrf_k: float = 10.0) -> Key | None:
    """The article the fusion puts first (as ``HybridRetriever.search`` fuses)."""
    keyword, dense, labelled = question.keyword, question.dense, question.labelled
    confident = len(keyword) == 1 or (len(keyword) > 1 and keyword[0][1] >= setting.ratio * keyword[1][1])
    if keyword:
        top = keyword[0][0]
        agrees = not labelled or labelled[0][0] == top
        if setting.rule == "confident" and confident:
            return top
        if setting.rule == "agree" and confident and agrees:
            return top
        if setting.rule == "either" and any(other and other[0][0] == top for other in (dense, labelled)):
            return top
    fused: dict[Key, float] = {}
    for ranking, weight in ((keyword, 1.0), (dense, 1.0), (labelled, setting.labelled_weight)):
        for rank, (key, _) in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (rrf_k + rank)
    return max(fused, key=lambda key: fused[key]) if fused else None


def hit_at_1(questions: Sequence[Question], setting: Setting) -> float:
    return statistics.fmean(
        1.0 if (top := first(q, setting)) is not None and top[1] in q.expected else 0.0 for q in questions
    )


def rankings(folder: Path, settings: Settings, depth: int = 20) -> list[Question]:
    """The three rankings of every single question in ``folder`` with expected articles."""
    qa_file = folder / "qa.jsonl"
    documents = load_documents(settings).documents
    retriever = open_retriever(settings, documents, held_out=[qa_file])
    if retriever.phrasings is None:
        raise SystemExit("no labelled questions in the corpus (corpus/documents/phrasings/)")
    out = []
    for item in load_qa_file(qa_file).items:
        if not item.expected:
            continue
        keyword = retriever.bm25.search(item.question, depth)
        dense = retriever.dense.search(item.question, depth)
        vector = retriever.dense.embedder.embed_query(item.question)
        labelled = retriever.phrasings.rank(vector, depth)
        out.append(
            Question(
                frozenset(e.article for e in item.expected),
                [(h.key, h.score) for h in keyword],
                [(h.key, h.score) for h in dense],
                [(key, score) for key, score in labelled],
            )
        )
    return out


def deployed() -> Setting:
    fusion = Fusion()
    return Setting(fusion.phrasing_weight, "either")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sets", nargs="+", type=Path, help="QA set folders (read sets only)")
    args = parser.parse_args(argv)
    settings = Settings()
    sets = {folder.name: rankings(folder, settings) for folder in args.sets}
    table = {s: {name: hit_at_1(qs, s) for name, qs in sets.items()} for s in grid()}
    before = Setting(0.0, "confident", Fusion().confident_ratio or 1.3)
    now = deployed()
    print(f"{'set':10s} {'n':>4s} {'before':>7s} {'deployed':>9s} {'left out':>9s}  chosen on the other sets")
    left_out = []
    for name in sets:
        chosen = max(table, key=lambda s: statistics.fmean(v for n, v in table[s].items() if n != name))
        left_out.append(table[chosen][name])
        print(
            f"{name:10s} {len(sets[name]):4d} {table[before][name]:7.3f} "
            f"{hit_at_1(sets[name], now):9.3f} {table[chosen][name]:9.3f}  {chosen}"
        )
    macro = {s: statistics.fmean(v.values()) for s, v in table.items()}
    print(
        f"macro hit@1: before {macro[before]:.3f}, deployed "
        f"{statistics.fmean(hit_at_1(q, now) for q in sets.values()):.3f}, "
        f"left out {statistics.fmean(left_out):.3f}"
    )
    print("best settings over all sets:")
    for s in sorted(table, key=lambda s: -macro[s])[:8]:
        print(f"  {macro[s]:.3f}  {s}:  " + "  ".join(f"{n} {v:.3f}" for n, v in table[s].items()))
    print(f"(the labelled-question ranking is named {PHRASINGS!r} in a hit's ranks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
