"""The 评测 page through ``gradio_client``: upload a QA file, get metrics, table and a zip of the run."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from tests.ui.conftest import STAFF_PASSWORD, STAFF_USER, LiveApp

pytestmark = pytest.mark.slow


def test_eval_run_returns_metrics_rows_and_zip(live_app: LiveApp, tmp_path: Path) -> None:
    qa = tmp_path / "qa.jsonl"
    rows = [
        {
            "id": "q1",
            "question": "职业技能提升补贴怎么申请？",
            "expected_articles": ["（十三）"],
            "type": "subsidy",
        },
        {"id": "q2", "question": "今天天气怎么样？", "expected_articles": [], "type": "out_of_scope"},
    ]
    qa.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    before = len(live_app.pipeline.recorder.recent(1000))  # type: ignore[attr-defined]
    client = Client(
        live_app.url + "/staff/",
        auth=(STAFF_USER, STAFF_PASSWORD),
        verbose=False,
        download_files=str(tmp_path / "dl"),
    )
    status, metrics, chart, table, zip_path = client.predict(handle_file(str(qa)), api_name="/evaluate")
    assert "评测完成" in status and "共 2 题" in status
    assert metrics["headers"][:2] == ["指标", "总体"]
    assert [r[1] for r in table["data"]] == ["补贴", "超出范围"]
    with zipfile.ZipFile(zip_path) as archive:
        assert {"metrics.json", "results.jsonl", "report.html"} <= set(archive.namelist())
        assert json.loads(archive.read("metrics.json"))["n"] == 2
    after = len(live_app.pipeline.recorder.recent(1000))  # type: ignore[attr-defined]
    assert after == before, "evaluation questions must not be logged as citizens' turns"
    filtered = client.predict("全部", "全部", "补贴", api_name="/filter_results")
    assert [r[0] for r in filtered["data"]] == ["q1"]  # the session's rows, filtered by question text
