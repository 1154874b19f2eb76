"""The hand-written QA sets pass their checker, and the checker catches a broken set."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EVALS = Path(__file__).resolve().parents[2] / "evals"
CHECKER = EVALS / "check_qa_set.py"


def _check(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECKER), str(folder)], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("name", ["dev", "heldout", "test", "fresh", "fresh2", "reviewed", "reviewed2"])
def test_each_set_passes_its_checker(name: str) -> None:
    result = _check(EVALS / name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: no problems found" in result.stdout


def test_a_must_include_from_another_article_and_a_foreign_id_are_reported(tmp_path: Path) -> None:
    broken = tmp_path / "heldout"
    shutil.copytree(EVALS / "heldout", broken)
    rows = [json.loads(line) for line in (broken / "qa.jsonl").read_text(encoding="utf-8").splitlines()]
    first = next(r for r in rows if r["expected_articles"] == ["（十三）"])
    first["must_include"] = ["新八级工"]  # said in (十一), not in (十三)
    rows[1]["id"] = "q002"  # a dev id in the held-out set
    (broken / "qa.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    result = _check(broken)
    assert result.returncode == 1
    assert "新八级工" in result.stdout + result.stderr
    assert "id must look like h001" in result.stdout + result.stderr


def test_a_reviewed_label_naming_no_answer_of_the_set_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "reviewed"
    shutil.copytree(EVALS / "reviewed", broken)
    rows = [json.loads(line) for line in (broken / "qa.jsonl").read_text(encoding="utf-8").splitlines()]
    rows[0]["reviewed"] = "一条没有导入的审核答复？"
    rows[-1]["reviewed"] = rows[1]["reviewed"]  # an out_of_scope item expecting an answer
    (broken / "qa.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    result = _check(broken)
    assert result.returncode == 1
    assert "is not a question of answers.jsonl" in result.stderr
    assert "reviewed must be false on out_of_scope items" in result.stderr
