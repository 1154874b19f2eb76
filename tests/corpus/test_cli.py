"""``policy-assistant corpus show``: verbatim article text, and clear errors for unknown ids/labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus.models import Document
from ui.cli import app

NOTICE = "sh-digital-talent-2024"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize("label", ["（十三）", "(十三)", "13"])
def test_show_prints_the_article_verbatim(
    runner: CliRunner, corpus_dir: Path, notice: Document, label: str
) -> None:
    result = runner.invoke(app, ["corpus", "show", NOTICE, label, "--corpus", str(corpus_dir)])
    assert result.exit_code == 0, result.output
    article = notice.article("（十三）")
    assert article is not None
    verbatim = notice.article_text(article)
    assert verbatim.startswith("(十三)落实经费保障。")
    assert verbatim in result.stdout, "the article text is printed as one unbroken verbatim block"
    heading = result.stdout.split(verbatim)[0].replace("\n", "")
    assert heading == f"{notice.meta.display_title} 第（十三）条「落实经费保障」{article.part}", heading


def test_show_preamble_verbatim(runner: CliRunner, corpus_dir: Path, notice: Document) -> None:
    result = runner.invoke(app, ["corpus", "show", NOTICE, "前言", "--corpus", str(corpus_dir)])
    assert result.exit_code == 0
    assert notice.article_text(notice.articles[0]) in result.stdout


def test_unknown_article_is_a_clear_error(runner: CliRunner, corpus_dir: Path) -> None:
    result = runner.invoke(app, ["corpus", "show", NOTICE, "（十五）", "--corpus", str(corpus_dir)])
    assert result.exit_code != 0
    message = result.stderr.replace("\n", "")
    assert f"{NOTICE} 中没有条款 （十五）" in message
    assert "（十四）" in message, "lists the labels that do exist"
    assert result.stdout == ""


def test_unknown_document_is_a_clear_error(runner: CliRunner, corpus_dir: Path) -> None:
    result = runner.invoke(app, ["corpus", "show", "no-such-doc", "--corpus", str(corpus_dir)])
    assert result.exit_code != 0
    message = result.stderr.replace("\n", "")
    assert "没有编号为 no-such-doc 的文件" in message
    assert NOTICE in message, "lists the ids that do exist"


def test_list_shows_the_notice_and_skipped_files(runner: CliRunner, tmp_path: Path, corpus_dir: Path) -> None:
    for name in (f"{NOTICE}.txt", f"{NOTICE}.meta.toml"):
        (tmp_path / name).write_bytes((corpus_dir / name).read_bytes())
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    result = runner.invoke(app, ["corpus", "list", "--corpus", str(tmp_path)])
    assert result.exit_code == 0
    assert "2024–2026年\t15" in result.stdout  # piped: tab-separated (the table is for a terminal)
    message = result.stderr.replace("\n", "")
    assert "empty.txt" in message and "expected a policy document" in message


def _qa(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_phrasings_are_learned_from_several_qa_files(
    runner: CliRunner, corpus_copy: Path, tmp_path: Path
) -> None:
    corpus = corpus_copy
    one = _qa(
        tmp_path / "one.jsonl",
        [
            '{"id": "a1", "question": "考证补贴怎么领", "type": "procedure", "expected_articles": ["（十三）"]}',
            '{"id": "a2", "question": "杭州的补贴呢", "type": "out_of_scope", "expected_articles": []}',
        ],
    )
    two = _qa(
        tmp_path / "two.jsonl",
        ['{"id": "b1", "question": "新八级工是啥", "type": "fact", "expected_articles": ["（十一）"]}'],
    )
    result = runner.invoke(app, ["corpus", "phrasings", str(one), str(two), "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    written = (corpus / "phrasings" / f"{NOTICE}.jsonl").read_text(encoding="utf-8")
    assert "考证补贴怎么领" in written and "新八级工是啥" in written
    assert "杭州" not in written  # a question to decline is nobody's phrasing
    # a broken file: a clear message, and the phrasings already written stay as they are
    broken = _qa(tmp_path / "broken.jsonl", ["{not json"])
    result = runner.invoke(app, ["corpus", "phrasings", str(one), str(broken), "--corpus", str(corpus)])
    assert result.exit_code != 0
    assert "broken.jsonl" in result.stderr.replace("\n", "")
    assert (corpus / "phrasings" / f"{NOTICE}.jsonl").read_text(encoding="utf-8") == written


def test_list_piped_prints_whole_ids_one_document_a_line(
    runner: CliRunner, corpus_dir: Path, notice: Document
) -> None:
    """Issue 18: ``corpus list | cat`` showed 「sh-digital…」; piped output is never cut."""
    result = runner.invoke(app, ["corpus", "list", "--corpus", str(corpus_dir)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split("\t")[0] == "编号"
    rows = [line.split("\t") for line in lines[1:]]
    ids = [row[0] for row in rows]
    assert NOTICE in ids and "…" not in result.stdout
    row = rows[ids.index(NOTICE)]
    assert row[1] == notice.title and row[3] == "2024-11-12" and row[5] == str(len(notice.articles))


def test_list_json_is_one_array_of_documents(runner: CliRunner, corpus_dir: Path, notice: Document) -> None:
    import json

    result = runner.invoke(app, ["corpus", "list", "--json", "--corpus", str(corpus_dir)])
    assert result.exit_code == 0, result.output
    documents = json.loads(result.stdout)
    assert isinstance(documents, list)
    found = next(d for d in documents if d["doc_id"] == NOTICE)
    assert found["title"] == notice.title
    assert found["issuer"] == "上海市人力资源和社会保障局"
    assert found["issued"] == "2024-11-12"
    assert found["articles"] == len(notice.articles)
    assert (found["valid_from"], found["valid_to"]) == (2024, 2026)
