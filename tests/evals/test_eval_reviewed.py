"""``policy-assistant eval run … --reviewed FILE`` end to end: the real extractive pipeline over a
real index (hash embedder, fast), a hotline's import file served from a temporary channel database
as the app serves it — its phrasings searched, the matching answer shown — and the configured data
dir left as it was."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.factory import build_index, load_documents
from assistant.settings import Settings
from channel.store import ChannelStore, ReviewedAnswer
from index.fusion_choice import CHOICE_FILE
from ui.cli import app

D = "sh-digital-talent-2024"
runner = CliRunner()
#: a hotline's wording that shares hardly a word with （五） (as in tests/ui/test_reviewed_retrieval.py)
ASKED = "码农离职单干开个小作坊，政府能帮衬点资金吗"
FAQ = [
    {
        "document": D,
        "question": "程序员辞职单干开工作室，政府给不给资金扶持？",
        "phrasings": ["码农离职单干开个小作坊，政府能不能帮衬点资金"],
        "answer": "可按规定享受创业担保贷款及贴息等创业扶持政策，方案没有写明金额，请咨询上海人社服务热线。",
        "articles": ["（五）"],
    },
    {
        "document": "上海数字技术技能人才培育实施方案",
        "question": "考了数字技能等级证书有补贴吗？",
        "answer": "可按规定享受职业技能提升补贴；方案没有写明金额。",
        "articles": ["（十三）"],
    },
]
QA = [
    {
        "id": "r1",
        "question": ASKED,
        "expected_articles": ["（五）"],
        "type": "subsidy",
        "reviewed": FAQ[0]["question"],
    },
    {
        "id": "r2",
        "question": "考了数字技能等级证书有补贴吗",
        "expected_articles": ["（十三）"],
        "type": "subsidy",
        "reviewed": FAQ[1]["question"],
    },
    {
        "id": "r3",
        "question": "线上人力资源服务公共平台能提供什么服务",
        "expected_articles": ["（四）"],
        "type": "fact",
        "reviewed": False,
    },
    {
        "id": "r4",
        "question": "明天上海会下雨吗",
        "expected_articles": [],
        "type": "out_of_scope",
        "reviewed": False,
    },
]


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = Path(tmp_path_factory.mktemp("reviewed-eval")) / "data"
    settings = Settings(_env_file=None, data_dir=data, embeddings="hash", llm_base_url=None, llm_api_key=None)  # type: ignore[call-arg]
    build_index(settings, load_documents(settings).documents)
    # hash vectors carry no meaning, so this index chooses to let the keyword ranking stand alone
    # (index/fusion_choice.py); the seam under test is the fusion the notice's real index keeps
    (settings.index_dir / CHOICE_FILE).unlink()
    return data


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data_dir: Path) -> Path:
    """The eval's environment: the indexed data dir, no chat model; temporary folders in ``tmp``."""
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    monkeypatch.setenv("POLICY_DATA_DIR", str(data_dir))
    monkeypatch.setenv("POLICY_EMBEDDINGS", "hash")
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("POLICY_LLM_BASE_URL", "POLICY_LLM_API_KEY", "OPENAI_API_KEY", "POLICY_LOG_URL"):
        monkeypatch.delenv(name, raising=False)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    return temporary


def _reviewed_rows(data_dir: Path) -> int | None:
    """Reviewed answers in the configured database (None: it has no such table or does not exist)."""
    path = data_dir / "conversations.sqlite3"
    if not path.exists():
        return None
    with sqlite3.connect(path) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'reviewed_answers'").fetchone():
            return None
        return int(db.execute("SELECT COUNT(*) FROM reviewed_answers").fetchone()[0])


def _publish_own(data_dir: Path) -> None:
    """A reviewed answer of the configured database, worded as r3: the eval must not show it."""
    settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
    store = ChannelStore(settings.resolved_log_url)
    own = ReviewedAnswer(
        id=0,
        doc_id=D,
        question=QA[2]["question"],
        phrasings=(),
        answer="见第（四）条。",
        citations=({"doc_id": D, "article": "（四）", "citation": "第（四）条", "quote": ""},),
        sources=(),
        valid_until=None,
        status="published",
        reviewer="someone",
        reviewed_at=datetime.now(UTC),
        message_id=None,
        version=1,
    )
    store.publish(own, "someone")
    store.close()


def test_eval_serves_the_import_file_as_the_app_does(tmp_path: Path, env: Path, data_dir: Path) -> None:
    qa = _jsonl(tmp_path / "qa.jsonl", QA)
    faq = _jsonl(tmp_path / "faq.jsonl", FAQ)
    _publish_own(data_dir)

    plain = runner.invoke(app, ["eval", "run", str(qa), "--mode", "extractive", "--out", str(tmp_path / "a")])
    assert plain.exit_code == 0, plain.output
    assert "4 题标注了 reviewed" in plain.output and "审核答复正确率" not in plain.output
    result = runner.invoke(
        app,
        [
            "eval",
            "run",
            str(qa),
            "--mode",
            "extractive",
            "--reviewed",
            str(faq),
            "--out",
            str(tmp_path / "b"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "审核答复正确率" in result.output

    rows = {
        r["id"]: r
        for r in (json.loads(x) for x in (tmp_path / "b" / "results.jsonl").read_text("utf-8").splitlines())
    }
    assert rows["r1"]["reviewed_shown"] == FAQ[0]["question"] and rows["r1"]["passed"]["reviewed"]
    assert rows["r2"]["reviewed_shown"] == FAQ[1]["question"]
    assert rows["r3"]["reviewed_shown"] is None and rows["r4"]["reviewed_shown"] is None
    metrics = json.loads((tmp_path / "b" / "metrics.json").read_text("utf-8"))
    assert (metrics["reviewed_shown"], metrics["reviewed_correct"], metrics["reviewed_false"]) == (
        1.0,
        1.0,
        0,
    )
    assert metrics["run"]["reviewed_answers"] == 2

    # the phrasings reach retrieval: the hotline's wording finds （五） only with them
    first = {
        r["id"]: r
        for r in (json.loads(x) for x in (tmp_path / "a" / "results.jsonl").read_text("utf-8").splitlines())
    }
    assert first["r1"]["rank"] != 1 and rows["r1"]["rank"] == 1

    # the configured database: read by neither run (r3 shows nothing), and nothing added to it
    assert _reviewed_rows(data_dir) == 1
    assert list(env.iterdir()) == []  # the temporary channel database is gone


def test_a_bad_import_row_or_an_unknown_label_stops_the_run(tmp_path: Path, env: Path) -> None:
    qa = _jsonl(tmp_path / "qa.jsonl", QA)
    bad = _jsonl(tmp_path / "bad.jsonl", [FAQ[0], {**FAQ[1], "articles": ["（二十）"]}])
    result = runner.invoke(
        app, ["eval", "run", str(qa), "--reviewed", str(bad), "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert (
        "1 行不能导入，未运行" in result.output and "第 2 行" in result.output and "（二十）" in result.output
    )

    one = _jsonl(tmp_path / "one.jsonl", [FAQ[0]])
    result = runner.invoke(
        app, ["eval", "run", str(qa), "--reviewed", str(one), "--out", str(tmp_path / "y")]
    )
    assert result.exit_code == 2
    assert (
        f"第 2 行（r2）：reviewed「{FAQ[1]['question']}」不是 one.jsonl 中任何一条审核答复的问题"
        in result.output
    )

    wrong = tmp_path / "faq.txt.xlsx"
    wrong.write_bytes(b"x")
    result = runner.invoke(
        app, ["eval", "run", str(qa), "--reviewed", str(wrong), "--out", str(tmp_path / "z")]
    )
    assert result.exit_code == 2 and "请上传 .jsonl 或 .csv 文件" in result.output
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    assert list(env.iterdir()) == []
