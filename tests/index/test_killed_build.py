"""Issue 15: ``kill -9`` of ``policy-assistant index`` (full or incremental) at any moment leaves
the previous index serving, for the CLI and for a new server.

The build runs in a real ``policy-assistant index`` process; a hook in that process sends itself
SIGKILL at a chosen point — the new collection just created, half of its vectors written, the
keyword index being written, just before the manifest switch, just after it, while old
collections are dropped. After each kill the test opens the index as the CLI does
(``make_pipeline``) and as ``serve`` does (``prepare_pipeline``), in a fresh state.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from chromadb.api.client import SharedSystemClient

from assistant.settings import Settings

pytestmark = pytest.mark.slow

NOTICE = "sh-digital-talent-2024"
QUESTION = "职业技能提升补贴怎么申请？"

#: Runs ``policy-assistant index [--rebuild]`` and SIGKILLs itself at ``point``.
HOOK = r"""
import os, signal, sys
point, argv = sys.argv[1], sys.argv[2:]
from index import builder, manifest, vector_store

def die():
    sys.stdout.flush(); sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)

add = vector_store.ChromaStore.add
write = manifest.Manifest.write
lexical = builder.IndexBuilder._write_lexical
if point == "created":
    vector_store.ChromaStore.add = lambda self, *a, **k: die()
elif point == "half_written":
    def half(self, ids, vectors, documents, metadatas):
        n = max(1, len(ids) // 2)
        add(self, ids[:n], vectors[:n], documents[:n], metadatas[:n])
        die()
    vector_store.ChromaStore.add = half
elif point == "lexical":
    def cut(self, records, texts, documents, units, generation):
        root = self.index_dir / builder.BM25_DIR
        (root / f".{generation}.tmp").mkdir(parents=True, exist_ok=True)
        (root / f".{generation}.tmp" / "half-written").write_text("x")
        die()
    builder.IndexBuilder._write_lexical = cut
elif point == "before_switch":
    manifest.Manifest.write = lambda self, index_dir: die()
elif point == "after_switch":
    def switched(self, index_dir):
        write(self, index_dir)
        die()
    manifest.Manifest.write = switched
elif point == "cleanup":
    vector_store.ChromaStore.drop_others = lambda self, keep: die()
    vector_store.ChromaStore.delete = lambda self, ids: die()
sys.argv = ["policy-assistant", "index", *argv]
from ui.cli import app
app()
"""


def _env(data: Path, corpus: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICY_", "OPENAI_"))}
    env.update(
        POLICY_DATA_DIR=str(data),
        POLICY_CORPUS_DIR=str(corpus),
        POLICY_EMBEDDINGS="hash",
        PYTHONIOENCODING="utf-8",
    )
    return env


def _settings(data: Path, corpus: Path) -> Settings:
    return Settings(_env_file=None, data_dir=data, corpus_dir=corpus, embeddings="hash")  # type: ignore[call-arg]


def _kill(point: str, data: Path, corpus: Path, *args: str) -> subprocess.Popen[str]:
    """Start ``policy-assistant index`` set to SIGKILL itself at ``point``."""
    return subprocess.Popen(
        [sys.executable, "-c", HOOK, point, *args],
        env=_env(data, corpus),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _killed(process: subprocess.Popen[str], point: str) -> None:
    _, err = process.communicate(timeout=180)
    assert process.returncode == -signal.SIGKILL, (point, process.returncode, err[-2000:])


def _serves(data: Path, corpus: Path, new_server: bool = False) -> None:
    """The index answers as the CLI opens it (``make_pipeline``: no repair), and with
    ``new_server`` as ``serve`` opens it (``prepare_pipeline``: brought up to date first)."""
    from assistant.factory import make_pipeline
    from ui.cli.serve_cmd import prepare_pipeline

    SharedSystemClient.clear_system_cache()  # a new process: nothing of the killed one held open
    settings = _settings(data, corpus)
    pipeline = make_pipeline(settings)
    answer = pipeline.ask(QUESTION)
    pipeline.recorder.close()  # type: ignore[union-attr]
    assert any(c.article == "（十三）" for c in answer.citations), answer.text
    if new_server:
        SharedSystemClient.clear_system_cache()
        pipeline = prepare_pipeline(settings)
        answer = pipeline.ask(QUESTION)
        pipeline.recorder.close()  # type: ignore[union-attr]
        assert any(c.article == "（十三）" for c in answer.citations), answer.text


@pytest.fixture()
def corpus(corpus_copy: Path) -> Path:
    return corpus_copy


def test_a_killed_full_rebuild_leaves_the_previous_index_serving(tmp_path: Path, corpus: Path) -> None:
    from assistant.factory import build_index, load_documents

    data = tmp_path / "data"
    settings = _settings(data, corpus)
    build_index(settings, load_documents(settings).documents)
    # the collection just made (what the first index did: drop, then a kill left nothing to
    # search), half the vectors written, the keyword index half written and the manifest not yet
    # switched, the switch done and old collections being dropped — each on its own copy of the
    # index, killed side by side
    points = ("created", "half_written", "lexical", "cleanup")
    copies = {point: tmp_path / f"data-{point}" for point in points}
    for copy in copies.values():
        shutil.copytree(data, copy)
    running = {point: _kill(point, copies[point], corpus, "--rebuild") for point in points}
    for point, process in running.items():
        _killed(process, point)
    for point in ("created", "lexical", "cleanup"):
        _serves(copies[point], corpus, new_server=point == "lexical")

    # the real command line too, in its own process
    env = _env(copies["half_written"], corpus)
    cli = str(Path(sys.executable).parent / "policy-assistant")
    asked = subprocess.run(
        [cli, "ask", QUESTION, "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert asked.returncode == 0, asked.stderr[-2000:]
    assert "（十三）" in [c["article"] for c in json.loads(asked.stdout)["citations"]]

    # a rebuild that completes drops the collections killed builds left behind
    SharedSystemClient.clear_system_cache()
    report = build_index(
        _settings(copies["created"], corpus), load_documents(settings).documents, rebuild=True
    )
    assert report.rebuilt
    import chromadb

    SharedSystemClient.clear_system_cache()
    client = chromadb.PersistentClient(path=str(copies["created"] / "index" / "chroma"))
    names = [c.name for c in client.list_collections()]
    assert len(names) <= 2, names  # the live one and the one it replaced


def test_a_killed_incremental_build_leaves_the_previous_index_serving(tmp_path: Path, corpus: Path) -> None:
    from assistant.factory import build_index, load_documents

    data = tmp_path / "data"
    settings = _settings(data, corpus)
    build_index(settings, load_documents(settings).documents)
    notice = corpus / f"{NOTICE}.txt"
    text = notice.read_text(encoding="utf-8")
    notice.write_text(text.replace("急需紧缺职业", "急需紧缺职业（修订）", 1), encoding="utf-8")
    _killed(_kill("half_written", data, corpus), "half_written")
    _serves(data, corpus, new_server=True)
