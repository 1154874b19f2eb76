"""Answering what was asked: the opening judged against labelled asks (evals/answering.py)."""

from __future__ import annotations

import json
from pathlib import Path

from evals.answering import aggregate, ask_answered, opening, says_not_stated, score_answering
from evals.qa_file import GoldAsk, QAItem, load_qa_file
from evals.rescore import rescore

PROCEDURE_MISSING = GoldAsk("procedure", stated=False)
YES = GoldAsk("yes_no", stated=True, grants=True)
NO = GoldAsk("yes_no", stated=True, grants=False)


def item(asks: tuple[GoldAsk, ...], qtype: str = "subsidy", place: str = "") -> QAItem:
    return QAItem(id="x", question="?", type=qtype, asks=asks, place=place)


def test_the_opening_is_the_first_paragraph() -> None:
    assert opening("可以。\n\n《方案》第（十三）条规定：「…」") == "可以。"


def test_not_stated_needs_the_kind_named() -> None:
    assert says_not_stated("方案没有写明具体申请流程。", "procedure")
    assert not says_not_stated("方案没有写明具体申请流程。", "amount")
    assert says_not_stated("The plan does not state the exact amount.", "amount")
    # how often is a time ask: 「一年能领几回」
    assert says_not_stated("方案没有写明次数或频率。", "time")
    assert says_not_stated("The plan does not state how often.", "time")
    assert not ask_answered(PROCEDURE_MISSING, "方案第（十三）条规定：…可按规定享受职业技能提升补贴。")


def test_stated_asks() -> None:
    assert ask_answered(YES, "方案规定：…的，可按规定享受职业技能提升补贴。")
    assert not ask_answered(YES, "方案没有写明这一点。")
    assert ask_answered(NO, "不一定。方案规定：…可打破户籍、年龄等制约。")
    terms = GoldAsk("content", stated=True, answer_terms=("国际数字之都",))
    assert ask_answered(terms, "方案的目标是打造具有世界影响力的国际数字之都。")
    assert not ask_answered(terms, "方案第（一）条规定：…")
    # a dash is a dash: 2024–2026年 answers 2024-2026年
    assert ask_answered(GoldAsk("time", True, ("2024-2026年",)), "方案的实施期为2024–2026年。")


def test_false_affirmatives() -> None:
    # a yes where the document grants nothing asked
    assert score_answering(item((PROCEDURE_MISSING,)), "可以。方案规定…", refused=False).false_affirmative
    assert not score_answering(item((YES,)), "可以。方案规定…", refused=False).false_affirmative
    # an answered other-place question is a false yes when it says yes
    other = item((), qtype="out_of_scope", place="绍兴")
    assert score_answering(other, "有。方案规定…", refused=False).false_affirmative
    assert not score_answering(other, "抱歉…", refused=True).false_affirmative


def test_yes_when_granted_counts_only_a_yes_that_opens() -> None:
    quoted_grant = "方案第（十三）条规定：…可按规定享受职业技能提升补贴。"
    # asks_answered takes the grant word quoted later; yes_when_granted wants the yes first
    assert ask_answered(YES, quoted_grant)
    assert score_answering(item((YES,)), quoted_grant, refused=False).yes_given is False
    assert score_answering(item((YES,)), "可以。" + quoted_grant, refused=False).yes_given is True
    # not counted where a yes/no is not granted, or there is none
    assert score_answering(item((YES, NO)), "可以。", refused=False).yes_given is None
    assert score_answering(item((PROCEDURE_MISSING,)), "可以。", refused=False).yes_given is None
    scores = [score_answering(item((YES,)), text, False) for text in ("可以。…", "方案规定：可…", "能。…")]
    assert aggregate(scores)["yes_when_granted"] == round(2 / 3, 4)


def test_aggregate_by_hand() -> None:
    scores = [
        score_answering(
            item((PROCEDURE_MISSING, YES), qtype="not_in_doc"),
            "方案没有写明具体申请流程。方案规定：可按规定享受…",
            False,
        ),
        score_answering(item((YES,)), "方案没有写明这一点。", False),
        score_answering(item((), qtype="out_of_scope", place="成都"), "抱歉", True),
        score_answering(item((), qtype="out_of_scope", place="洛阳"), "能。", False),
    ]
    got = aggregate(scores)
    assert got["asks_answered"] == round(2 / 3, 4)  # 2 of the 3 asks
    assert got["not_stated_recall"] == 1.0
    assert got["other_places_declined"] == 0.5
    assert got["false_affirmatives"] == 1


def test_asks_are_read_from_qa_files(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    rows = [
        {
            "id": "a",
            "question": "怎么申请",
            "expected_articles": ["（十三）"],
            "type": "not_in_doc",
            "asks": [{"kind": "procedure", "stated": False}],
        },
        {"id": "b", "question": "绍兴呢", "expected_articles": [], "type": "out_of_scope", "place": "绍兴"},
        {
            "id": "c",
            "question": "?",
            "expected_articles": ["（一）"],
            "type": "fact",
            "asks": [{"kind": "weather", "stated": True}],
        },
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    qa = load_qa_file(path)
    assert qa.items[0].asks == (PROCEDURE_MISSING,)
    assert qa.items[1].place == "绍兴"
    assert len(qa.problems) == 1 and "weather" in qa.problems[0].message


def test_an_echoed_verb_is_a_yes() -> None:
    no_grant = item((GoldAsk("yes_no", stated=True, grants=False),))
    assert score_answering(no_grant, "会。方案规定…", refused=False).false_affirmative
    assert not score_answering(no_grant, "不会。方案规定…", refused=False).false_affirmative


def test_a_saved_run_is_rescored_from_its_answers(tmp_path: Path) -> None:
    qa = tmp_path / "qa.jsonl"
    asks = '[{"kind": "procedure", "stated": false}]'
    qa.write_text(
        '{"id": "a", "question": "补贴怎么申请", "type": "not_in_doc", "expected_articles": ["（十三）"], '
        f'"asks": {asks}}}\n'
        '{"id": "b", "question": "杭州的补贴", "type": "out_of_scope", "expected_articles": [], "place": "杭州"}\n',
        encoding="utf-8",
    )
    run = tmp_path / "run"
    run.mkdir()
    rows = [
        {"id": "a", "answer": "可以。方案第（十三）条规定：……", "refused": False},
        {"id": "b", "answer": "抱歉，您问的是杭州的政策……", "refused": True},
    ]
    (run / "results.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8"
    )
    scores = rescore(run, [qa])
    assert scores["false_affirmatives"] == 1 and scores["asks_answered"] == 0.0
    assert scores["not_stated_recall"] == 0.0 and scores["other_places_declined"] == 1.0
