"""The STARD benchmark on a tiny synthetic corpus in STARD's format: the JSON contract, the
metric arithmetic on hand-computed cases, the laws through the corpus loader, the split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.benchmarks import stard

LAWS = {
    "甲法": [
        ("第一条", "为了规范个体工商户的登记，制定本法。"),
        ("第二条", "有经营能力的公民，依照本法规定经登记，从事工商业经营的，为个体工商户。"),
        ("第三条", "个体工商户的债务，个人经营的，以个人财产承担；家庭经营的，以家庭财产承担。"),
        ("第十条", "个体工商户可以起字号。\n\n个体工商户的字号应当依法登记。"),
    ],
    "乙条例": [
        ("第二条", "劳动者解除劳动合同，应当提前三十日以书面形式通知用人单位。"),
        ("第一条", "为了保护劳动者的合法权益，制定本条例。"),  # out of order, as in STARD's file
        ("第三条", "用人单位未按时足额支付劳动报酬的，劳动者可以解除劳动合同。"),
    ],
    "丙规定": [
        ("第一条", "机动车发生交通事故造成人身伤亡的，由保险公司在责任限额范围内予以赔偿。"),
        ("第二条", "交通事故责任认定书应当载明事故的基本事实。"),
    ],
}
QUESTIONS = [
    ("q1", "个体工商户的债务怎么承担？", ["甲法第三条"]),
    ("q2", "辞职要提前多久通知单位？", ["乙条例第二条", "乙条例第三条"]),
    ("q3", "出了交通事故保险公司赔不赔？", ["丙规定第一条"]),
    ("q4", "个体工商户能不能起字号？", ["甲法第十条", "甲法第二条"]),
]


def _write(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"name": law + label, "law": law, "article": label, "text": text}, ensure_ascii=False)
            + "\n"
            for law, items in LAWS.items()
            for label, text in items
        ),
        encoding="utf-8",
    )
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        "".join(
            json.dumps({"id": i, "question": q, "articles": a}, ensure_ascii=False) + "\n"
            for i, q, a in QUESTIONS
        ),
        encoding="utf-8",
    )
    return corpus, queries


def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's law files and vectors under ``tmp_path``, and an empty STARD train file: the
    hybrid has no labelled questions to learn from, whether or not the shared STARD folder exists
    beside the checkout (a clean clone has none)."""
    monkeypatch.setenv("STARD_CACHE_DIR", str(tmp_path / "cache"))
    own = tmp_path / "stard"
    own.mkdir(exist_ok=True)
    (own / "queries.train.jsonl").write_text("", encoding="utf-8")
    monkeypatch.setenv("STARD_DIR", str(own))


def test_metrics_on_hand_computed_cases() -> None:
    ranked = ["x", "a", "y", "b"] + [f"n{i}" for i in range(200)] + ["c"]
    m = stard.score(ranked, ["a", "b", "c"])
    assert m["recall_at_1"] == 0
    assert m["recall_at_5"] == m["recall_at_10"] == m["recall_at_100"] == pytest.approx(2 / 3)
    assert m["hit_at_10"] == 1 and m["mrr_at_10"] == 0.5
    late = stard.score([f"n{i}" for i in range(10)] + ["a"], ["a"])
    assert late["recall_at_10"] == 0 and late["recall_at_100"] == 1
    assert late["hit_at_10"] == 0 and late["mrr_at_10"] == 0  # rank 11: outside MRR@10
    first = stard.score(["a", "b"], ["a"])
    assert first == {
        "recall_at_1": 1,
        "recall_at_5": 1,
        "recall_at_10": 1,
        "recall_at_100": 1,
        "hit_at_10": 1,
        "mrr_at_10": 1,
    }
    averaged = stard.average([m, late, first])
    assert averaged["mrr_at_10"] == pytest.approx((0.5 + 0 + 1) / 3)
    assert averaged["recall_at_10"] == pytest.approx((2 / 3 + 0 + 1) / 3)
    with pytest.raises(ValueError):
        stard.score(["a"], [])


def test_json_contract_and_every_retriever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, queries = _write(tmp_path)
    _isolated(tmp_path, monkeypatch)
    argv = ["--queries", str(queries), "--corpus", str(corpus), "--json", "--embedder", "hash"]
    assert stard.main([*argv, "--subset", "0"]) == 0
    result = json.loads(capsys.readouterr().out)
    keys = {"n", "recall_at_1", "recall_at_5", "recall_at_10", "recall_at_100", "hit_at_10", "mrr_at_10"}
    keys |= {"corpus_articles", "index_seconds", "query_p95_ms"}
    for name in stard.RETRIEVERS:
        assert keys <= set(result[name]), name
        assert result[name]["n"] == len(QUESTIONS) and result[name]["corpus_articles"] == 9
        assert 0 <= result[name]["mrr_at_10"] <= result[name]["hit_at_10"] <= 1
    assert result["peak_memory_mb"] > 0
    run = result["run"]
    assert run["labelled_not_found"] == [] and run["stard_articles_not_found"] == 0
    assert run["dense"]["subset"] is False and run["dense"]["vectors_embedded"] > 0
    # the hybrid fuses as an index chooses from the labelled questions (here too few: the
    # default), measured beside the fixed default
    choice = run["dense"]["fusion_choice"]
    assert choice["fixed"] == "weight 2.0, either" and choice["seconds"] >= 0
    assert keys <= set(result["hybrid_fixed"])
    if not choice["chosen"]:
        assert result["hybrid"]["mrr_at_10"] == result["hybrid_fixed"]["mrr_at_10"]
    # every question here names its article's words: every retriever finds them in the top 10
    assert result["bm25_plain"]["hit_at_10"] == 1 and result["keyword"]["hit_at_10"] == 1
    # a re-run embeds nothing: the vectors come from the cache
    assert stard.main([*argv, "--subset", "0", "--retrievers", "dense"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert set(again) == {"dense", "peak_memory_mb", "run"}
    assert again["run"]["dense"]["vectors_embedded"] == 0 and again["run"]["dense"]["vectors_cached"] > 0


def test_the_dense_subset_keeps_labelled_laws_whole_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, queries = _write(tmp_path)
    _isolated(tmp_path, monkeypatch)
    only_q3 = tmp_path / "q3.jsonl"
    only_q3.write_text(queries.read_text(encoding="utf-8").splitlines()[2] + "\n", encoding="utf-8")
    argv = ["--queries", str(only_q3), "--corpus", str(corpus), "--json", "--embedder", "hash"]
    assert stard.main([*argv, "--subset", "4"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["bm25_plain"]["corpus_articles"] == result["keyword"]["corpus_articles"] == 9
    # 丙规定 (2 articles) whole, plus 2 random others
    assert result["dense"]["corpus_articles"] == result["hybrid"]["corpus_articles"] == 4
    assert result["keyword_subset"]["corpus_articles"] == result["bm25_plain_subset"]["corpus_articles"] == 4
    assert result["run"]["dense"]["subset"] is True and result["run"]["dense"]["whole_laws"] == 1
    assert result["hybrid"]["recall_at_5"] == 1


def test_laws_load_through_the_corpus_loader_and_map_back(tmp_path: Path) -> None:
    corpus, _ = _write(tmp_path)
    articles = stard.load_articles(corpus)
    loaded = stard.load_laws(articles, tmp_path / "laws")
    assert sorted(p.name for p in (tmp_path / "laws").iterdir())[:2] == [
        "stard-0001.meta.toml",
        "stard-0001.txt",
    ]
    assert loaded.missing == [] and loaded.errors == [] and loaded.extra == 0
    assert sorted(loaded.names.values()) == sorted(a.name for a in articles)
    second = next(d for d in loaded.documents if d.title == "乙条例")
    assert [a.label for a in second.articles] == ["第一条", "第二条", "第三条"]  # sorted by number
    assert stard.article_number("第十七条之一") == (17, 1)


def test_split_is_fixed_twenty_percent_by_hash_of_the_id() -> None:
    queries = [stard.StardQuery(f"stard-{i}", "问", ("a",)) for i in range(100)]
    learn, aside = stard.make_split(queries)
    assert len(aside) == 20 and len(learn) == 80 and not {q.id for q in learn} & {q.id for q in aside}
    again_learn, again_aside = stard.make_split(list(reversed(queries)))
    assert {q.id for q in again_aside} == {q.id for q in aside}


def test_the_committed_split_partitions_the_train_questions() -> None:
    learn = stard.load_queries(stard.split_file("learn"))
    aside = stard.load_queries(stard.split_file("setaside"))
    assert len(aside) == round(0.2 * (len(learn) + len(aside)))
    assert not {q.id for q in learn} & {q.id for q in aside}
    assert stard.make_split(learn + aside)[1] == sorted(aside, key=lambda q: [*learn, *aside].index(q))
    assert (stard.SPLIT_DIR / "LICENSE.STARD").is_file()


def test_missing_files_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STARD_DIR", str(tmp_path / "nowhere"))
    assert stard.main(["--split", "all", "--json"]) == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "queries.train.jsonl" in err and "STARD_DIR" in err


def test_a_split_s_figures_from_a_run_over_all_questions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, queries = _write(tmp_path)
    _isolated(tmp_path, monkeypatch)
    rows = tmp_path / "all.per-question.jsonl"
    common = ["--corpus", str(corpus), "--json", "--embedder", "hash", "--subset", "0"]
    assert stard.main(["--queries", str(queries), *common, "--per-question", str(rows)]) == 0
    capsys.readouterr()
    two = tmp_path / "two.jsonl"
    two.write_text("\n".join(queries.read_text(encoding="utf-8").splitlines()[1:3]) + "\n", encoding="utf-8")
    assert stard.main(["--queries", str(two), *common]) == 0
    searched = json.loads(capsys.readouterr().out)
    assert stard.main(["--queries", str(two), "--from-run", str(rows), "--json"]) == 0
    taken = json.loads(capsys.readouterr().out)
    for name in stard.RETRIEVERS:
        for key in ("n", "recall_at_1", "recall_at_10", "recall_at_100", "hit_at_10", "mrr_at_10"):
            assert taken[name][key] == searched[name][key], (name, key)
        assert taken[name]["corpus_articles"] == searched[name]["corpus_articles"]
