"""Issue 19: real law files whose 附件 label is printed more than once, indexed through the CLI.

The four laws in ``tests/data/repeated_labels/`` are every file of the shared STARD corpus with a
repeated label (two 附件, or the Hong Kong Basic Law's 附件三 five times). Each occurrence is
its own article — 附件, 附件（二）, … — and stays addressable in ``corpus show``, ``search``,
``ask`` citations and the web page's article views.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus.loader import load_corpus
from corpus.models import Document
from ui.cli import app

LAWS = Path(__file__).resolve().parents[1] / "data" / "repeated_labels"
runner = CliRunner()

#: (doc_id, label, words that occurrence holds)
OCCURRENCES = [
    ("stard-0094", "附件", "附件：主要文书参考样式"),
    ("stard-0094", "附件（二）", "协助执行通知书"),
    ("stard-0317", "附件", "人民法院司法建议书制作规范"),
    ("stard-0317", "附件（二）", "按顺序列明相关裁判文书"),
    ("stard-0435", "附件三", "《关于中华人民共和国国庆日的决议》"),
    ("stard-0435", "附件三（二）", "《中华人民共和国国旗法》"),
    ("stard-0435", "附件三（三）", "《中华人民共和国专属经济区和大陆架法》"),
    ("stard-0435", "附件三（四）", "《中华人民共和国外国中央银行财产司法强制措施豁免法》"),
    ("stard-0435", "附件三（五）", "附件三所列全国性法律的决定"),
    ("stard-1167", "附件", "附件：矿产资源分类细目"),
    ("stard-1167", "附件（二）", "(一)能源矿产"),
]

#: a question about an article under each repeated label → (doc_id, the label it must cite)
QUESTIONS = [
    ("协助执行通知书的样式是什么？", "stard-0094", "附件（二）"),
    ("股权强制执行有哪些主要文书参考样式？", "stard-0094", "附件"),
    ("关于中华人民共和国国庆日的决议在香港特别行政区实施吗？", "stard-0435", "附件三"),
    ("香港基本法附件三增加了国旗法和国徽法吗？", "stard-0435", "附件三（二）"),
    ("香港基本法附件三增加了专属经济区和大陆架法吗？", "stard-0435", "附件三（三）"),
    ("能源矿产包括哪些？", "stard-1167", "附件（二）"),
    ("矿产资源分类细目是什么？", "stard-1167", "附件"),
]


@pytest.fixture(scope="module")
def laws() -> dict[str, Document]:
    report = load_corpus(LAWS)
    assert not report.errors
    return {d.doc_id: d for d in report.documents}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as mp:
        _environment(mp, data)
        result = runner.invoke(app, ["index", "--corpus", str(LAWS)])
    assert result.exit_code == 0, result.output
    assert "新增 4 个文件" in result.output and "跳过" not in result.output
    return data


@pytest.fixture
def env(indexed: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _environment(monkeypatch, indexed)
    return indexed


def _environment(mp: pytest.MonkeyPatch, data: Path) -> None:
    mp.setenv("POLICY_DATA_DIR", str(data))
    mp.setenv("POLICY_CORPUS_DIR", str(LAWS))
    mp.setenv("POLICY_EMBEDDINGS", "hash")
    for name in ("POLICY_CHROMA_HOST", "POLICY_LLM_BASE_URL", "POLICY_LLM_API_KEY", "OPENAI_API_KEY"):
        mp.delenv(name, raising=False)


def test_every_occurrence_is_its_own_article(laws: dict[str, Document]) -> None:
    for doc_id, label, words in OCCURRENCES:
        document = laws[doc_id]
        article = document.article(label)
        assert article is not None and article.label == label, (doc_id, label)
        assert words in document.article_text(article), (doc_id, label)
        others = [a for a in document.articles if a.printed == article.printed and a is not article]
        assert others and all(a.span != article.span for a in others), (doc_id, label)


def test_corpus_show_reaches_each_occurrence(env: Path) -> None:
    for doc_id, label, words in OCCURRENCES:
        shown = runner.invoke(app, ["corpus", "show", doc_id, label])
        assert shown.exit_code == 0 and words in shown.output, (doc_id, label, shown.output[:200])
    # the ASCII-bracket and digit spelling of a repeated label, with a doc_id# prefix
    shown = runner.invoke(app, ["corpus", "show", "stard-0094", "stard-0094#附件(2)"])
    assert shown.exit_code == 0 and "协助执行通知书" in shown.output


def test_search_finds_the_second_occurrence_under_its_own_label(env: Path) -> None:
    raw = runner.invoke(app, ["search", "协助执行通知书 市场监督管理局", "--k", "3", "--json"])
    assert raw.exit_code == 0, raw.output
    rows = json.loads(raw.stdout)
    assert (rows[0]["doc_id"], rows[0]["article"]) == ("stard-0094", "附件（二）")


@pytest.mark.parametrize("question, doc_id, label", QUESTIONS)
def test_ask_cites_the_occurrence_that_answers(
    env: Path, laws: dict[str, Document], question: str, doc_id: str, label: str
) -> None:
    raw = runner.invoke(app, ["ask", question, "--json"])
    assert raw.exit_code == 0, raw.output
    answer = json.loads(raw.stdout)
    assert not answer["refused"]
    cited = [(c["doc_id"], c["article"]) for c in answer["citations"]]
    assert (doc_id, label) in cited, cited
    for c in answer["citations"]:
        document = laws[c["doc_id"]]
        article = document.article(c["article"])
        assert article is not None and c["quote"] in document.article_text(article), c


def test_the_page_shows_the_cited_occurrence(env: Path) -> None:
    from assistant.settings import Settings
    from ui.cli.serve_cmd import prepare_pipeline
    from ui.render import article_html, citation_chips
    from ui.service import AssistantService

    settings = Settings(_env_file=None, log_url=None)  # type: ignore[call-arg]
    service = AssistantService(prepare_pipeline(settings))
    turn = service.ask("香港基本法附件三增加了国旗法和国徽法吗？")
    documents = {d.doc_id: d for d in service.documents}
    chips = citation_chips(turn.answer, documents)
    assert "data-article='附件三（二）'" in chips and "《中华人民共和国国旗法》" in chips
    for doc_id, label, words in OCCURRENCES:
        view = service.article(doc_id, label)  # the article view of the page and of /api/documents/…
        assert view.article.label == label and words in view.text
        assert words in article_html(documents[doc_id], label)
