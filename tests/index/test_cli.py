from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.index.conftest import free_port
from ui.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POLICY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("POLICY_EMBEDDINGS", "hash")
    monkeypatch.delenv("POLICY_CHROMA_HOST", raising=False)
    return tmp_path


def test_index_then_search(env: Path) -> None:
    result = runner.invoke(app, ["index"])
    assert result.exit_code == 0, result.output
    assert "新增 1 个文件" in result.output
    again = runner.invoke(app, ["index"])
    assert "未变化 1 个" in again.output and "本次向量化 0 个" in again.output

    table = runner.invoke(app, ["search", "落实经费保障", "--k", "3"])
    assert table.exit_code == 0 and "（十三）" in table.output
    assert "检索词：" in table.output and "经费" in table.output
    english = runner.invoke(app, ["search", "vocational skill improvement subsidy", "--k", "3"])
    assert english.exit_code == 0 and "英文对照：" in english.output and "补贴" in english.output

    raw = runner.invoke(app, ["search", "落实经费保障", "--k", "2", "--json"])
    rows = json.loads(raw.stdout)
    assert len(rows) == 2 and rows[0]["article"] == "（十三）"
    assert set(rows[0]) == {"doc_id", "doc_title", "article", "heading", "score", "ranks"}
    assert rows[0]["ranks"]["bm25"] == 1


def test_index_reports_skipped_corpus_files(env: Path, corpus_dir: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in corpus_dir.iterdir():
        if f.is_file():
            (corpus / f.name).write_bytes(f.read_bytes())
    (corpus / "broken.xyz").write_text("?")
    result = runner.invoke(app, ["index", "--corpus", str(corpus)])
    assert result.exit_code == 0
    assert "broken.xyz" in result.output and "跳过" in result.output


def test_search_errors_are_clear_and_non_zero(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = runner.invoke(app, ["search", "补贴"])
    assert missing.exit_code != 0 and "policy-assistant index" in missing.output
    empty = runner.invoke(app, ["search", "  ？？ "])
    assert empty.exit_code != 0 and "问题为空" in empty.output
    port = free_port()
    monkeypatch.setenv("POLICY_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("POLICY_CHROMA_PORT", str(port))
    runner.invoke(app, ["index"])
    down = runner.invoke(app, ["index"])
    assert down.exit_code != 0 and f"127.0.0.1:{port}" in down.output


@pytest.mark.slow
def test_real_default_embedder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("POLICY_EMBEDDINGS", raising=False)
    monkeypatch.delenv("POLICY_CHROMA_HOST", raising=False)
    assert runner.invoke(app, ["index"]).exit_code == 0
    rows = json.loads(runner.invoke(app, ["search", "职业技能提升补贴怎么申请", "--json"]).stdout)
    assert "（十三）" in [r["article"] for r in rows[:3]]
    assert rows[0]["ranks"].get("bm25") == 1  # the keyword match leads
    question = "Can I get a subsidy if I obtain a digital vocational skill level certificate?"
    rows = json.loads(runner.invoke(app, ["search", question, "--json"]).stdout)
    assert "（十三）" in [r["article"] for r in rows[:3]]
    assert all("dense" in r["ranks"] for r in rows)  # no Chinese keywords: the real embedder ranks
