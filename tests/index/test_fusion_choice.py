"""The labelled-question fusion chosen per corpus at index time (index/fusion_choice.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.factory import build_index, load_documents, open_retriever
from assistant.settings import Settings
from corpus.loader import default_corpus_dir
from corpus.phrasings import Phrasing, by_article
from index.builder import IndexBuilder
from index.embedders import HashEmbedder
from index.fusion_choice import (
    CHOICE_FILE,
    SIGNIFICANT,
    FusionChoice,
    Question,
    Setting,
    choose,
    gain_over,
    held_out_rankings,
    question_folds,
    ranked,
    read_choice,
    write_choice,
)
from index.retriever import Fusion, OpenIndex, open_index
from index.vector_store import ChromaStore
from tests.index.conftest import make_document

DOC = "made-up-rules"
#: Articles whose text shares no word with the questions that label them: a question can reach
#: its article only through labelled questions (its own, if it leaked).
ARTICLES = [
    (f"第{n}条", f"条{n}", f"第{n}条 本条规定第{n}类事项的办理程序，由主管部门负责解释。")
    for n in "一二三四五六"
]
QUESTIONS = {
    "第一条": ["猫咪走丢了谁来管", "宠物丢失去哪里报"],
    "第二条": ["邻居装修太吵怎么办", "楼上半夜敲墙找谁"],
    "第三条": ["快递被人冒领咋处理"],
    "第四条": ["出租车绕路多收钱"],
    "第五条": ["小区停车位被占了", "车位让人占着不走"],
    "第六条": ["外卖洒了商家不赔"],
}


def _rows(source_per_question: bool = True) -> list[Phrasing]:
    return [
        Phrasing(DOC, label, q, f"qa.jsonl#{label}-{i}" if source_per_question else f"qa.jsonl#{label}")
        for label, asked in QUESTIONS.items()
        for i, q in enumerate(asked)
    ]


def _opened(tmp_path: Path, rows: list[Phrasing]) -> OpenIndex:
    document = make_document(DOC, "某市便民事项规定", ARTICLES)
    embedder = HashEmbedder(dim=64)
    store = ChromaStore.embedded(tmp_path / "chroma", "fusion-choice")
    IndexBuilder(embedder, store, tmp_path, 480).build([document])
    return open_index(tmp_path, store, embedder, [document], by_article(rows))


def test_no_labelled_question_finds_itself(tmp_path: Path) -> None:
    """Each question is searched without its own vector and its own words: an article labelled by
    one question only is then found by nothing (its text shares no word with the question), and no
    labelled question is as close as the question itself (similarity 1)."""
    rows = _rows()
    opened = _opened(tmp_path, rows)
    # the premise: with every labelled question in place, each question finds its article first
    # by its own vector and by its own words
    full = opened.hybrid()
    for label, asked in QUESTIONS.items():
        for q in asked:
            assert full.search(q, k=1)[0].article == label
    questions = held_out_rankings(opened, rows, folds=3)
    assert len(questions) == sum(len(a) for a in QUESTIONS.values())
    for question in questions:
        assert all(score < 0.999 for _, score in question.labelled)
        (key,) = question.expected
        if len(QUESTIONS[key[1]]) == 1:  # its only labelled question is itself
            assert key not in {k for k, _ in question.labelled}
            assert key not in {k for k, _ in question.keyword[:1]}


def test_questions_of_one_source_share_a_fold() -> None:
    rows = _rows(source_per_question=False)
    folds = question_folds(rows, folds=5)
    for label, asked in QUESTIONS.items():
        assert len({folds[q] for q in asked}) == 1, label
    # a question written twice (two articles) is one question
    twice = [Phrasing(DOC, "第一条", "同一个问题", "a#1"), Phrasing(DOC, "第二条", "同一个问题", "b#7")]
    assert len(question_folds(twice)) == 1


def test_the_fusion_is_scored_as_the_hybrid_fuses() -> None:
    a, b, c = ("d", "a"), ("d", "b"), ("d", "c")
    question = Question(
        frozenset({b}), keyword=[(a, 3.0), (b, 1.0)], dense=[(b, 0.9)], labelled=[(b, 0.8), (c, 0.7)]
    )
    assert ranked(question, Setting(2.0, "confident"))[0] == a  # 3.0 >= 1.3 · 1.0: keyword alone
    assert ranked(question, Setting(2.0, "either"))[0] == b  # no ranking by meaning agrees: fused
    assert ranked(question, Setting(2.0, "agree"))[0] == b  # confident, but the labelled ranking disagrees
    assert ranked(question, Setting(0.0, "none"))[0] == b


def test_too_few_labelled_questions_keep_the_default(tmp_path: Path) -> None:
    rows = _rows()
    choice = choose(_opened(tmp_path, rows), rows, min_questions=30)
    assert not choice.chosen and choice.fusion == Fusion() and choice.questions == len(rows)
    enough = choose(_opened(tmp_path / "b", rows), rows, min_questions=5, folds=3)
    assert enough.chosen and enough.questions == len(rows)
    assert str(enough.setting) in enough.figures and str(Setting.of(Fusion())) in enough.figures


def test_a_choice_reads_back_as_written(tmp_path: Path) -> None:
    choice = FusionChoice(
        Fusion(phrasing_weight=0.5, stands_alone="none"), 42, True, figures={"x": {"hit_at_1": 0.5}}
    )
    write_choice(tmp_path, choice)
    assert read_choice(tmp_path) == choice
    (tmp_path / CHOICE_FILE).write_text("{not json", encoding="utf-8")
    assert read_choice(tmp_path) is None  # unreadable: the default applies


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The shipped notice and its labelled questions, indexed with the hash embedder."""
    corpus = tmp_path_factory.mktemp("corpus")
    shutil.copytree(default_corpus_dir(), corpus, dirs_exist_ok=True)
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        corpus_dir=corpus,
        embeddings="hash",
        llm_base_url=None,
        llm_api_key=None,
    )
    build_index(settings, load_documents(settings).documents)
    return settings


def test_index_stores_the_choice_and_open_retriever_uses_it(built: Settings) -> None:
    choice = read_choice(built.index_dir)
    assert choice is not None and choice.chosen and choice.questions >= 30
    stored = json.loads((built.index_dir / CHOICE_FILE).read_text(encoding="utf-8"))
    assert stored["figures"][str(choice.setting)]["mrr_at_10"] > 0
    documents = load_documents(built).documents
    assert open_retriever(built, documents).fusion == choice.fusion
    # a stored choice other than the default is what the retriever fuses with
    write_choice(built.index_dir, FusionChoice(Fusion(phrasing_weight=0.5, stands_alone="none"), 99, True))
    assert open_retriever(built, documents).fusion.phrasing_weight == 0.5
    # an index built before (no file): the default
    (built.index_dir / CHOICE_FILE).unlink()
    assert open_retriever(built, documents).fusion == Fusion()
    # an unchanged re-index chooses again only when the file is gone or the questions changed
    build_index(built, documents)
    again = read_choice(built.index_dir)
    assert again is not None and again.fusion == choice.fusion and again.fingerprint == choice.fingerprint


def test_index_with_few_labelled_questions_uses_the_default(built: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(built.corpus_dir, corpus)
    phrasings = corpus / "phrasings" / "sh-digital-talent-2024.jsonl"
    phrasings.write_text(
        "".join(phrasings.read_text(encoding="utf-8").splitlines(True)[:10]), encoding="utf-8"
    )
    settings = built.model_copy(update={"corpus_dir": corpus, "data_dir": tmp_path / "data"})
    build_index(settings, load_documents(settings).documents)
    choice = read_choice(settings.index_dir)
    assert choice is not None and not choice.chosen and choice.questions == 10
    assert open_retriever(settings, load_documents(settings).documents).fusion == Fusion()


def test_a_best_setting_not_clearly_better_than_the_default_is_not_used() -> None:
    """The paired gain over the default and its error: one question of two gained is noise."""
    a, b = ("d", "a"), ("d", "b")
    helped = Question(frozenset({b}), keyword=[(a, 1.0), (b, 0.9)], dense=[(a, 0.9)], labelled=[(b, 0.9)])
    same = Question(frozenset({a}), keyword=[(a, 1.0)], dense=[(a, 0.9)], labelled=[(a, 0.9)])
    heavy, light = Setting(3.0, "none"), Setting(0.5, "none")
    gain, error = gain_over([helped, same], heavy, light)
    assert gain > 0 and gain <= SIGNIFICANT * error
    gain, error = gain_over([helped] * 40, heavy, light)
    assert gain > SIGNIFICANT * error
