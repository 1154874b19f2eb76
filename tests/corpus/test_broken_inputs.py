"""Broken inputs: each gives a CorpusError naming the file and what was expected; the rest still load."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from corpus.loader import default_corpus_dir, load_corpus, load_document
from corpus.models import CorpusError, LoadReport

NOTICE = "sh-digital-talent-2024"
LAW = "第一条 为了规范管理，制定本办法。\n第二条 本办法自发布之日起施行。\n"

# file name -> (content, sidecar or None, words the problem must contain)
BROKEN: dict[str, tuple[bytes, str | None, str]] = {
    "empty.txt": (b"", None, "no text"),
    "blank.md": (b"  \n\n\t\n", None, "no text"),
    "junk.txt": (random.Random(0).randbytes(3000), None, "binary"),
    "junk-no-nul.txt": (bytes(range(1, 256)) * 8, None, "binary"),
    "fake.pdf": ("第一条 这不是PDF。".encode(), None, "not a PDF"),
    "broken.docx": (b"PK\x03\x04 not really a zip", None, "cannot be read as .docx"),
    "notes.xyz": (LAW.encode(), None, "unknown file type .xyz"),
    "old.doc": (LAW.encode(), None, "save it as .docx"),
    "badtoml.txt": (LAW.encode(), 'id = "badtoml\ntitle = ', "malformed metadata"),
    "wrongtype.txt": (
        LAW.encode(),
        'id = "wrongtype"\ntitle = 123\n',
        "title = 123; expected a quoted string",
    ),
    "badyear.txt": (LAW.encode(), 'id = "badyear"\nvalid_from = "2024"\n', "expected a year like 2024"),
    "baddate.txt": (
        LAW.encode(),
        'id = "baddate"\nissued = "2024-13-45"\n',
        "expected a date like 2024-11-12",
    ),
    "unknownkey.txt": (LAW.encode(), 'id = "unknownkey"\nauthor = "x"\n', "unknown metadata keys ['author']"),
    "badid.txt": (LAW.encode(), 'id = "有 空格"\n', "is not usable"),
    "dup-b.txt": (LAW.encode(), 'id = "dup"\n', "id 'dup' is already used by"),
}


@pytest.fixture
def broken_corpus(tmp_path: Path) -> Path:
    for name in (f"{NOTICE}.txt", f"{NOTICE}.meta.toml"):
        shutil.copy(default_corpus_dir() / name, tmp_path / name)
    (tmp_path / "dup-a.txt").write_text(LAW, encoding="utf-8")
    (tmp_path / "dup-a.meta.toml").write_text('id = "dup"\ntitle = "甲办法"\n', encoding="utf-8")
    (tmp_path / "plain.txt").write_text("关于做好假期值班的通知\n请各单位做好值班安排。\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# 说明\n不是政策文件。", encoding="utf-8")
    for name, (content, sidecar, _) in BROKEN.items():
        (tmp_path / name).write_bytes(content)
        if sidecar is not None:
            (tmp_path / name).with_suffix(".meta.toml").write_text(sidecar, encoding="utf-8")
    return tmp_path


@pytest.fixture
def report(broken_corpus: Path) -> LoadReport:
    return load_corpus(broken_corpus)


def test_good_documents_still_load(report: LoadReport) -> None:
    assert sorted(d.doc_id for d in report.documents) == sorted([NOTICE, "dup", "plain"])
    dup = next(d for d in report.documents if d.doc_id == "dup")
    assert dup.path.endswith("dup-a.txt"), "the first file with an id keeps it"


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_file_is_reported_with_its_name_and_what_was_expected(
    name: str, report: LoadReport
) -> None:
    errors = [e for e in report.errors if Path(e.path).name in {name, Path(name).stem + ".meta.toml"}]
    assert len(errors) == 1, [str(e) for e in report.errors]
    (error,) = errors
    problem = BROKEN[name][2]
    assert problem in error.problem
    assert "expected" in error.problem
    assert str(error).startswith(error.path + ": ")


def test_nothing_else_is_reported(report: LoadReport) -> None:
    assert len(report.errors) == len(BROKEN)


def test_a_document_without_numbering_is_one_preamble_article(report: LoadReport) -> None:
    plain = next(d for d in report.documents if d.doc_id == "plain")
    assert [a.label for a in plain.articles] == ["前言"]
    assert plain.title == "关于做好假期值班的通知", "no sidecar: the title is the first line"


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such folder; expected a folder of policy documents"):
        load_corpus(tmp_path / "nope")


def test_no_sidecar_derives_id_from_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "办法.txt"
    path.write_text(LAW, encoding="utf-8")
    document = load_document(path)
    assert document.doc_id.startswith("doc-"), "non-ASCII names get a stable hashed id"
    assert document.doc_id == load_document(path).doc_id
    ascii_path = tmp_path / "my-policy-2025.txt"
    ascii_path.write_text(LAW, encoding="utf-8")
    assert load_document(ascii_path).doc_id == "my-policy-2025"


def test_pdf_without_text_layer_is_an_error(tmp_path: Path) -> None:
    from reportlab.pdfgen.canvas import Canvas

    path = tmp_path / "scan.pdf"
    canvas = Canvas(str(path))
    canvas.rect(100, 100, 300, 500, fill=1)  # an image-only page, like a scan
    canvas.save()
    with pytest.raises(CorpusError, match=r"scan\.pdf: the PDF has no text layer .*expected a text PDF"):
        load_document(path)
