"""Labelled phrasings as a second keyword field of their articles (document expansion).

Each article's labelled questions (corpus/phrasings.py) are one bag of words; BM25 over the bags
scores how much a new question is worded like earlier questions that article answered. The
keyword retriever adds that score to the article's own, both scaled to the best of the question
(so one weight serves a 15-article notice and 58,000 law articles alike):

    score = text / best text + weight · phrasings / best phrasings

Measured before it was adopted (evals/benchmarks/RESULTS.md, "Labelled phrasings"): on STARD,
questions of the learn part as phrasings lift the set-aside part's keyword MRR@10 and R@100;
on the notice, the dev set's questions as phrasings lift the held-out and fresh sets' hit@1.
Full length normalisation (b = 1) keeps an article with many phrasings from winning by their
number alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import bm25s
import numpy as np

from index.models import QueryReading
from index.text import PolicyTokenizer

#: The phrasing field's weight against the article text (both scaled to the question's best);
#: chosen on STARD's learn part (internal folds) and the notice's dev/held-out sets, see above.
WEIGHT = 0.3
K1 = 0.6
B = 1.0


class PhrasingIndex:
    """BM25 over one bag of labelled-question words per article."""

    def __init__(
        self, model: bm25s.BM25, keys: Sequence[tuple[str, str]], tokenizer: PolicyTokenizer
    ) -> None:
        self._model = model
        self.keys = list(keys)
        self.tokenizer = tokenizer

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def build(
        cls, questions: Mapping[tuple[str, str], Sequence[str]], tokenizer: PolicyTokenizer
    ) -> PhrasingIndex | None:
        """``questions``: article (doc_id, label) → its labelled questions. None when there are none."""
        keys = [key for key, asked in questions.items() if asked]
        if not keys:
            return None
        bags = [[t for q in questions[key] for t in tokenizer(q)] or ["_"] for key in keys]
        model = bm25s.BM25(k1=K1, b=B)
        model.index(bags, show_progress=False)
        return cls(model, keys, tokenizer)

    def scores(self, reading: QueryReading) -> dict[tuple[str, str], float]:
        """Articles whose phrasings share words with the question, and their BM25 scores."""
        words: Iterable[str] = (*reading.summed, *(w for group in reading.alternatives for w in group))
        ids = self._model.get_tokens_ids(list(dict.fromkeys(words)))
        if not ids:
            return {}
        scores = self._model.get_scores_from_ids(ids)
        found = np.nonzero(scores > 0)[0]
        return {self.keys[i]: float(scores[i]) for i in found}
