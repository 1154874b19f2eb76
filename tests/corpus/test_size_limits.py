"""Issue 15: a 50 MB text file in the corpus gave no message for minutes and took 1.8 GB. Files
over the size limits are skipped by name, before they are read; large files say when they are read."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.loader import load_corpus
from corpus.models import CorpusError

NOTICE = "sh-digital-talent-2024"


def _big_text(path: Path, megabytes: int) -> None:
    line = ("第一条 为了规范管理，制定本办法。" * 20 + "\n").encode("utf-8")
    with path.open("wb") as out:
        for _ in range(megabytes * 1_000_000 // len(line) + 1):
            out.write(line)


def test_a_file_over_the_size_limit_is_skipped_unread(corpus_copy: Path) -> None:
    corpus = corpus_copy
    _big_text(corpus / "huge.txt", 50)
    started = time.perf_counter()
    report = load_corpus(corpus)
    assert time.perf_counter() - started < 10
    assert [d.doc_id for d in report.documents] == [NOTICE]  # the others still load
    [error] = report.errors
    assert isinstance(error, CorpusError) and error.path.endswith("huge.txt")
    assert "文件过大" in error.problem and "50.0 MB" in error.problem and "上限 10.0 MB" in error.problem


def test_text_over_the_character_limit_is_skipped(corpus_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = corpus_copy
    _big_text(corpus / "long.txt", 2)
    monkeypatch.setenv("POLICY_MAX_DOCUMENT_CHARS", "100000")
    lines: list[str] = []
    report = load_corpus(corpus, progress=lines.append)
    [error] = report.errors
    assert "文件文字过多" in error.problem and "上限 100,000 字" in error.problem
    assert any("正在读取较大的文件 long.txt（2.0 MB）" in line for line in lines)  # said before reading


@pytest.mark.slow
def test_index_command_skips_a_50_mb_file_quickly_and_says_so(tmp_path: Path, corpus_copy: Path) -> None:
    """The real command in its own process: done within a bounded time and memory."""
    corpus = corpus_copy
    _big_text(corpus / "huge.txt", 50)
    env = {
        "POLICY_DATA_DIR": str(tmp_path / "data"),
        "POLICY_CORPUS_DIR": str(corpus),
        "POLICY_EMBEDDINGS": "hash",
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    # `policy-assistant index` in a process forked from a fresh small interpreter, whose peak memory
    # the interpreter reports: a process started straight from this one would inherit the test
    # runner's own peak (Linux keeps the peak across exec), which says nothing of the command
    command = (
        "import os, sys\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    from ui.cli import app\n"
        "    sys.argv = ['policy-assistant', 'index']\n"
        "    code = 0\n"
        "    try:\n        app()\n"
        "    except SystemExit as exit:\n        code = exit.code if isinstance(exit.code, int) else 1\n"
        "    sys.stdout.flush(); sys.stderr.flush()\n"
        "    os._exit(code)\n"
        "_, status, usage = os.wait4(pid, 0)\n"
        "print('PEAK_KB', usage.ru_maxrss, file=sys.stderr)\n"
        "sys.exit(os.waitstatus_to_exitcode(status))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", command], env=env, capture_output=True, text=True, timeout=240
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "huge.txt" in run.stderr and "文件过大" in run.stderr
    assert "新增 1 个文件" in run.stdout
    peak_kb = int(run.stderr.rsplit("PEAK_KB", 1)[1].split()[0])
    assert peak_kb < 1_000_000, peak_kb  # the 50 MB file is never read into memory
