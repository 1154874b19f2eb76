"""The labelled-question fusion, chosen per corpus from its own labelled questions at index time.

How much the ranking by labelled questions' meaning weighs in the hybrid (``Fusion.phrasing_weight``)
and when the keyword ranking stands alone (``Fusion.stands_alone``) depend on the corpus: on the
Shanghai notice weight 2.0 did best, on STARD's laws 1.0 (evals/README.md, "Labelled questions by
meaning"). So ``policy-assistant index`` chooses them from the corpus's labelled questions
(corpus/documents/phrasings/) and stores the choice beside the manifest (``fusion.json``, with
the figures it was chosen on); ``open_retriever`` reads it. With fewer than ``MIN_QUESTIONS``
labelled questions, or an index without the file (built before), ``Fusion()``'s default stands.

**No question finds itself.** The labelled questions are split into ``FOLDS`` folds, grouped by
their ``source`` (the QA item or reviewed answer they came from: its rewordings and the rows it
labels with several articles stay in one fold; a question written twice is one question). Each
question of a fold is then searched as a new question would be, against labelled questions of
the other folds only, on both sides a labelled question reaches retrieval:

- the labelled-question ranking: the question's own vector and those of its fold are masked out
  of the similarity matrix (one matrix product per question, no re-embedding: a labelled
  question embeds as a query, so its row *is* its query vector);
- the keyword ranking: its phrasing field (index/phrasings.py) is rebuilt per fold from the
  other folds' questions (BM25 over a few thousand short bags: milliseconds), so the question's
  words are not in the field it is searched against.

The other choice was to score the keyword ranking without its phrasing field for the fit; it is
no cheaper (the article-text search dominates either way) and would measure a keyword side
weaker than the deployed one, biasing the choice toward a heavier labelled-question weight.
Folds by source keep the cost at one keyword and one dense search per labelled question
(about 0.1 s a question at 10,000 articles here; under a second for the notice's ~300).

The fold rankings are then fused under every setting of a small grid (weights ``WEIGHTS`` ×
rules ``STAND_ALONE_RULES``), as ``HybridRetriever.search`` fuses them, and the setting with the
best MRR@10 over all held-out questions is the candidate (MRR@10 rather than hit@1: it counts the
first place most and is less noisy on a few hundred questions; hit@1 breaks ties, then nearness to
the default). It replaces the default only when its mean paired gain in MRR@10 over the default
exceeds ``SIGNIFICANT`` standard errors: on the notice the best of the grid was 0.005 above the
default on its 290 labelled questions and, adopted, cost the read sets 0.035 macro hit@1 (evals/README.md),
while on STARD it was 0.03 above on 988 and gained on the set-aside part. The choice is recomputed only when the labelled questions or the index change
(``fingerprint``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from corpus.labels import canonical_label
from corpus.phrasings import Phrasing, by_article
from index.embedding_cache import EmbeddingCache
from index.phrasing_vectors import PhrasingVectors
from index.phrasings import PhrasingIndex
from index.retriever import STAND_ALONE_RULES, BM25Retriever, Fusion, OpenIndex

log = logging.getLogger(__name__)

CHOICE_FILE = "fusion.json"
VERSION = 1
#: Below this many labelled questions the default fusion stands (too few to choose on).
MIN_QUESTIONS = 30
FOLDS = 5
WEIGHTS = (0.5, 1.0, 1.5, 2.0, 3.0)
#: Articles kept per ranking (the hybrid searches 20 candidates a side).
DEPTH = 20
#: The best setting replaces the default only when its mean paired MRR@10 gain over the default
#: exceeds this many standard errors (a best-of-20 on a few hundred questions is otherwise noise).
SIGNIFICANT = 2.0

Key = tuple[str, str]
Ranking = list[tuple[Key, float]]


@dataclass(frozen=True)
class Setting:
    """One point of the grid: the labelled-question weight and the keyword-stands-alone rule."""

    labelled_weight: float
    rule: str  # STAND_ALONE_RULES
    ratio: float = 1.3

    def __str__(self) -> str:
        ratio = f", ratio {self.ratio}" if self.rule in ("confident", "agree") else ""
        return f"weight {self.labelled_weight}, {self.rule}{ratio}"

    def fusion(self, base: Fusion | None = None) -> Fusion:
        base = base or Fusion()
        return Fusion(
            rrf_k=base.rrf_k,
            bm25_weight=base.bm25_weight,
            dense_weight=base.dense_weight,
            confident_ratio=self.ratio,
            phrasing_weight=self.labelled_weight,
            stands_alone=self.rule,
        )

    @classmethod
    def of(cls, fusion: Fusion) -> Setting:
        return cls(fusion.phrasing_weight, fusion.stands_alone, fusion.confident_ratio or 1.3)


def grid(ratio: float = 1.3) -> list[Setting]:
    """Every weight of ``WEIGHTS`` under every rule (the ratio of the deployed fusion)."""
    return [Setting(w, rule, ratio) for w in WEIGHTS for rule in STAND_ALONE_RULES]


@dataclass(frozen=True)
class Question:
    """One question's three rankings (keyword, dense, labelled questions) and its articles."""

    expected: frozenset[Key]
    keyword: Ranking
    dense: Ranking
    labelled: Ranking


def ranked(question: Question, setting: Setting, base: Fusion | None = None) -> list[Key]:
    """The articles in the order ``HybridRetriever.search`` returns them under ``setting``."""
    base = base or Fusion()
    keyword, dense, labelled = question.keyword, question.dense, question.labelled
    if keyword:
        top = keyword[0][0]
        confident = len(keyword) == 1 or keyword[0][1] >= setting.ratio * keyword[1][1]
        alone = (
            (setting.rule == "confident" and confident)
            or (setting.rule == "agree" and confident and (not labelled or labelled[0][0] == top))
            or (setting.rule == "either" and any(other and other[0][0] == top for other in (dense, labelled)))
        )
        if alone:
            return [key for key, _ in keyword]
    fused: dict[Key, float] = {}
    best: dict[Key, int] = {}
    for ranking, weight in (
        (keyword, base.bm25_weight),
        (dense, base.dense_weight),
        (labelled, setting.labelled_weight),
    ):
        for rank, (key, _) in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (base.rrf_k + rank)
            best[key] = min(best.get(key, rank), rank)
    return sorted(fused, key=lambda key: (-fused[key], best[key]))


def hit_at_1(questions: Sequence[Question], setting: Setting) -> float:
    return statistics.fmean(
        1.0 if (order := ranked(q, setting)) and order[0] in q.expected else 0.0 for q in questions
    )


def reciprocal_ranks(questions: Sequence[Question], setting: Setting) -> list[float]:
    """Each question's 1 / rank of its first expected article in the top 10 (0 if none)."""

    def reciprocal(q: Question) -> float:
        order = ranked(q, setting)[:10]
        return next((1 / rank for rank, key in enumerate(order, start=1) if key in q.expected), 0.0)

    return [reciprocal(q) for q in questions]


def mrr_at_10(questions: Sequence[Question], setting: Setting) -> float:
    return statistics.fmean(reciprocal_ranks(questions, setting))


def gain_over(questions: Sequence[Question], setting: Setting, default: Setting) -> tuple[float, float]:
    """The mean paired MRR@10 gain of ``setting`` over ``default`` and its standard error."""
    gains = [
        a - b
        for a, b in zip(
            reciprocal_ranks(questions, setting), reciprocal_ranks(questions, default), strict=True
        )
    ]
    if len(gains) < 2:
        return 0.0, math.inf
    return statistics.fmean(gains), statistics.stdev(gains) / math.sqrt(len(gains))


# -- held-out rankings of the labelled questions ------------------------------------------


def _fold(group: str, folds: int) -> int:
    return int(hashlib.sha1(group.encode("utf-8")).hexdigest(), 16) % folds


def question_folds(rows: Sequence[Phrasing], folds: int = FOLDS) -> dict[str, int]:
    """Each distinct labelled question → its fold. A question's group is its source (its text
    when it has none); a question with rows under several sources follows the first."""
    out: dict[str, int] = {}
    for p in rows:
        if p.question not in out:
            out[p.question] = _fold(p.source or f"text:{p.question}", folds)
    return out


def held_out_rankings(
    opened: OpenIndex,
    rows: Sequence[Phrasing],
    folds: int = FOLDS,
    depth: int = DEPTH,
    cache: EmbeddingCache | None = None,
) -> list[Question]:
    """Every labelled question of ``rows`` searched against the other folds' labelled questions
    only (see the module docstring): its keyword, dense and labelled-question rankings."""
    fold_of = question_folds(rows, folds)
    expected: dict[str, set[Key]] = {}
    for p in rows:
        expected.setdefault(p.question, set()).add((p.doc_id, canonical_label(p.article)))
    vectors = PhrasingVectors(by_article(rows), opened.embedder, cache)
    matrix = vectors.matrix()
    pairs = vectors.pairs
    row_of: dict[str, int] = {}
    for i, (_, text) in enumerate(pairs):
        row_of.setdefault(text, i)
    row_fold = np.array([fold_of[text] for _, text in pairs])
    catalog = opened.catalog
    dense = opened.dense()
    out: list[Question] = []
    for fold in range(folds):
        held = [text for text, f in fold_of.items() if f == fold and text in row_of]
        if not held:
            continue
        others = [p for p in rows if fold_of[p.question] != fold]
        field_index = PhrasingIndex.build(by_article(others), opened.lexical.tokenizer) if others else None
        keyword = BM25Retriever(opened.lexical, catalog, phrasings=field_index)
        usable = row_fold != fold
        for text in held:
            vector = matrix[row_of[text]]
            try:
                by_words = keyword.search(text, depth)
                by_meaning = dense.search(text, depth, vector=vector.tolist())
            except ValueError:  # no searchable characters
                continue
            similarities = np.where(usable, matrix @ vector, -np.inf)
            labelled: dict[Key, float] = {}
            for i in np.argsort(-similarities):
                if not usable[i] or len(labelled) == depth:
                    break
                key = pairs[i][0]
                if key not in labelled and catalog.has_article(key):
                    labelled[key] = float(similarities[i])
            out.append(
                Question(
                    frozenset(expected[text]),
                    [(h.key, h.score) for h in by_words],
                    [(h.key, h.score) for h in by_meaning],
                    list(labelled.items()),
                )
            )
    return out


# -- the choice, stored with the index ----------------------------------------------------


@dataclass(frozen=True)
class FusionChoice:
    """The fusion an index uses with labelled questions, and what it was chosen on."""

    fusion: Fusion
    #: distinct labelled questions the choice was made on
    questions: int
    #: True: chosen by the folds; False: the default (too few labelled questions)
    chosen: bool
    folds: int = FOLDS
    #: setting (str) → {"hit_at_1", "mrr_at_10"} over the held-out labelled questions
    figures: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0
    fingerprint: str = ""
    date: str = ""
    #: the best setting of the folds, its mean paired MRR@10 gain over the default and the gain's
    #: standard error; the best is used only when the gain exceeds ``SIGNIFICANT`` errors
    best: str = ""
    gain: float = 0.0
    gain_se: float = 0.0

    @property
    def setting(self) -> Setting:
        return Setting.of(self.fusion)

    def summary(self) -> str:
        """One line in Chinese for the operator (``policy-assistant index``)."""
        if not self.chosen:
            return (
                f"标注问法 {self.questions} 个（少于 {MIN_QUESTIONS} 个），融合用默认设置："
                f"标注问法权重 {self.fusion.phrasing_weight:g}，关键词独立规则 {self.fusion.stands_alone}"
            )
        mine = self.figures.get(str(self.setting), {})
        default = self.figures.get(str(Setting.of(Fusion())), {})
        kept = (
            f"；最优 {self.best} 比默认高 {self.gain:.3f}±{self.gain_se:.3f}，不显著，保留默认"
            if self.best and self.best != str(self.setting)
            else ""
        )
        return (
            f"标注问法融合：权重 {self.fusion.phrasing_weight:g}，关键词独立规则 {self.fusion.stands_alone}"
            f"（在 {self.questions} 个标注问法上按来源分 {self.folds} 折选定，用时 {self.seconds:.1f} 秒；"
            f"留出 MRR@10 {mine.get('mrr_at_10', 0):.3f}、hit@1 {mine.get('hit_at_1', 0):.3f}，"
            f"默认设置为 {default.get('mrr_at_10', 0):.3f}、{default.get('hit_at_1', 0):.3f}{kept}）"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "fusion": asdict(self.fusion),
            "questions": self.questions,
            "chosen": self.chosen,
            "folds": self.folds,
            "metric": "mrr_at_10",
            "figures": self.figures,
            "seconds": round(self.seconds, 2),
            "fingerprint": self.fingerprint,
            "date": self.date,
            "best": self.best,
            "gain": self.gain,
            "gain_se": self.gain_se,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FusionChoice:
        if data.get("version") != VERSION:
            raise ValueError(f"unknown fusion choice version {data.get('version')!r}")
        return cls(
            fusion=Fusion(**data["fusion"]),
            questions=int(data["questions"]),
            chosen=bool(data["chosen"]),
            folds=int(data.get("folds", FOLDS)),
            figures={str(k): {m: float(v) for m, v in f.items()} for k, f in data.get("figures", {}).items()},
            seconds=float(data.get("seconds", 0.0)),
            fingerprint=str(data.get("fingerprint", "")),
            date=str(data.get("date", "")),
            best=str(data.get("best", "")),
            gain=float(data.get("gain", 0.0)),
            gain_se=float(data.get("gain_se", 0.0)),
        )


def _by_preference(figures: Mapping[Setting, dict[str, float]], default: Setting) -> Setting:
    def key(s: Setting) -> tuple[float, float, float, int]:
        f = figures[s]
        nearness = (
            -abs(math.log(s.labelled_weight / default.labelled_weight)) if default.labelled_weight else 0
        )
        return (round(f["mrr_at_10"], 9), round(f["hit_at_1"], 9), nearness, s.rule == default.rule)

    return max(figures, key=key)


def choose(
    opened: OpenIndex,
    rows: Sequence[Phrasing],
    base: Fusion | None = None,
    cache: EmbeddingCache | None = None,
    folds: int = FOLDS,
    min_questions: int = MIN_QUESTIONS,
    fingerprint: str = "",
) -> FusionChoice:
    """The fusion for ``opened`` chosen from its labelled questions ``rows`` (module docstring);
    the default ``base`` when there are fewer than ``min_questions`` distinct ones."""
    base = base or Fusion()
    started = time.perf_counter()
    date = datetime.now(UTC).isoformat(timespec="seconds")
    distinct = len({p.question for p in rows})
    if distinct < min_questions:
        return FusionChoice(base, distinct, False, folds, fingerprint=fingerprint, date=date)
    questions = held_out_rankings(opened, rows, folds, cache=cache)
    if not questions:
        return FusionChoice(base, distinct, False, folds, fingerprint=fingerprint, date=date)
    default = Setting.of(base)
    settings = list(dict.fromkeys([default, *grid(default.ratio)]))
    figures = {
        s: {"hit_at_1": hit_at_1(questions, s), "mrr_at_10": mrr_at_10(questions, s)} for s in settings
    }
    best = _by_preference(figures, default)
    gain, error = gain_over(questions, best, default) if best != default else (0.0, 0.0)
    if best != default and gain <= SIGNIFICANT * error:  # not clearly better: the default stands
        log.info("fusion default kept", extra={"best": str(best), "gain": gain, "se": error})
        best = default
    return FusionChoice(
        best.fusion(base),
        len(questions),
        True,
        folds,
        {str(s): {m: round(v, 4) for m, v in f.items()} for s, f in figures.items()},
        time.perf_counter() - started,
        fingerprint,
        date,
        best=str(_by_preference(figures, default)),
        gain=round(gain, 4),
        gain_se=round(error, 4) if math.isfinite(error) else -1.0,
    )


def fingerprint(rows: Sequence[Phrasing], *parts: str) -> str:
    """What a choice depends on: the labelled questions and ``parts`` (the index generation,
    the embedder); an unchanged fingerprint keeps the stored choice."""
    digest = hashlib.sha1()
    for p in sorted(rows, key=lambda p: (p.doc_id, p.article, p.question, p.source)):
        digest.update(f"{p.doc_id}\t{p.article}\t{p.question}\t{p.source}\n".encode())
    for part in (
        *parts,
        f"grid:{WEIGHTS}:{STAND_ALONE_RULES}:{FOLDS}:{MIN_QUESTIONS}:{SIGNIFICANT}:v{VERSION}",
    ):
        digest.update(f"{part}\n".encode())
    return digest.hexdigest()


def write_choice(index_dir: Path, choice: FusionChoice) -> Path:
    """Atomically write ``fusion.json`` beside the manifest."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / CHOICE_FILE
    tmp = index_dir / f".{CHOICE_FILE}.tmp"
    tmp.write_text(json.dumps(choice.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_choice(index_dir: Path) -> FusionChoice | None:
    """The stored choice; None when there is none (an index built before) or it cannot be read."""
    path = index_dir / CHOICE_FILE
    if not path.is_file():
        return None
    try:
        return FusionChoice.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("stored fusion choice unreadable; the default applies", extra={"error": str(exc)})
        return None


def stored_fusion(index_dir: Path) -> Fusion | None:
    """The fusion the index at ``index_dir`` chose (None: use the default)."""
    choice = read_choice(index_dir)
    return choice.fusion if choice is not None and choice.chosen else None
