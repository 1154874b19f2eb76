"""Reviewed answers feed retrieval (ui/reviewed_retrieval.py): a question worded like a reviewed
one finds the article it cites, until the answer is withdrawn; the serving process follows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

from assistant.factory import build_index, load_documents, make_pipeline, open_retriever
from assistant.settings import Settings
from channel.faq_import import import_faq
from channel.service import ChannelService
from channel.store import ChannelStore
from index.fusion_choice import CHOICE_FILE
from ui.index_watch import IndexWatcher
from ui.reviewed_retrieval import reviewed_phrasings, reviewed_stamp

DOC = "sh-digital-talent-2024"
#: a hotline's wording that shares hardly a word with （五）
ASKED = "码农离职单干开个小作坊，政府能帮衬点资金吗"
FAQ = {
    "document": DOC,
    "question": "程序员辞职单干开工作室，政府给不给资金扶持？",
    "phrasings": ["码农离职单干开个小作坊，政府能不能帮衬点资金"],
    "answer": "可按规定享受创业担保贷款及贴息等创业扶持政策，具体以主管部门细则为准。",
    "articles": ["（五）"],
}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data = tmp_path_factory.mktemp("data")
    found = Settings(data_dir=Path(data), embeddings="hash", llm_base_url=None, llm_api_key=None)
    build_index(found, load_documents(found).documents)
    # hash vectors carry no meaning, so this index chooses to let the keyword ranking stand alone
    # (index/fusion_choice.py); the seam under test is the fusion the notice's real index keeps
    (found.index_dir / CHOICE_FILE).unlink()
    return found


def _first(settings: Settings, question: str) -> Any:
    documents = load_documents(settings).documents
    retriever = open_retriever(settings, documents, extra_phrasings=reviewed_phrasings(settings))
    return retriever.search(question, k=3)[0]


class _State:
    def __init__(self) -> None:
        self.swapped: list[object] = []

    def swap(self, pipeline: object) -> None:
        self.swapped.append(pipeline)


def test_a_reviewed_answer_reaches_retrieval_and_leaves_it_when_withdrawn(settings: Settings) -> None:
    assert reviewed_phrasings(settings) == {}  # no channel database yet: nothing, and no error
    assert _first(settings, ASKED).article != "（五）"  # the premise: the notice's words alone miss it
    channel = ChannelService(ChannelStore(settings.resolved_log_url), lambda: make_pipeline(settings))
    watcher = IndexWatcher(
        settings.index_dir,
        lambda: cast(Any, "reopened"),
        lambda: cast(Any, "rebuilt"),
        0,
        reviewed=lambda: reviewed_stamp(settings),
    )
    state = _State()
    watcher.start(state)  # type: ignore[arg-type]
    assert not watcher.check_reviewed()

    report = import_faq(channel, json.dumps(FAQ, ensure_ascii=False), "jsonl", "reviewer")
    assert len(report.imported) == 1 and not report.errors
    learned = reviewed_phrasings(settings)
    assert set(learned[(DOC, "（五）")]) == {FAQ["question"], *FAQ["phrasings"]}
    hit = _first(settings, ASKED)
    assert hit.article == "（五）"
    assert watcher.check_reviewed() and state.swapped == ["reopened"]  # the server reopens its retriever
    assert not watcher.check_reviewed()  # once

    channel.reviewed.withdraw(report.imported[0], "reviewer")
    assert reviewed_phrasings(settings) == {}
    assert _first(settings, ASKED).article != "（五）"
    assert watcher.check_reviewed() and len(state.swapped) == 2


def test_an_unreadable_channel_database_leaves_retrieval_as_it_is(tmp_path: Path) -> None:
    broken = Settings(data_dir=tmp_path, log_url="postgresql+psycopg://nobody@127.0.0.1:9/none")
    assert reviewed_phrasings(broken) == {} and reviewed_stamp(broken) == ""
