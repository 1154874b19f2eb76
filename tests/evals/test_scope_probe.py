"""The scope probe's learning: a logistic regression that separates what can be separated."""

from __future__ import annotations

import numpy as np

from evals.scope_probe import fit, leave_one_set_out, probability


def test_a_separable_set_is_separated() -> None:
    rng = np.random.default_rng(0)
    inside = rng.normal(-1.0, 0.3, size=(40, 3))
    outside = rng.normal(1.0, 0.3, size=(40, 3))
    x = np.vstack([inside, outside])
    y = np.r_[np.zeros(40), np.ones(40)]
    w = fit(x, y, l2=0.1)
    p = probability(w, x)
    assert (p[:40] < 0.5).all() and (p[40:] > 0.5).all()


def test_the_threshold_keeps_in_scope_declines_near_the_target() -> None:
    rng = np.random.default_rng(1)
    x = np.vstack([rng.normal(-1.0, 0.5, size=(60, 2)), rng.normal(1.0, 0.5, size=(60, 2))])
    y = np.r_[np.zeros(60), np.ones(60)]
    groups = np.asarray(["a", "b", "c"] * 40)
    declined = leave_one_set_out(x, y, groups, l2=0.1, target=0.05)
    assert declined[y == 1].mean() > 0.8
    assert declined[y == 0].mean() <= 0.1
