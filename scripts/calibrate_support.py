"""Calibrate the supported-sentence check of assistant/verify.py on the dev set (evals/dev only).

A chat model's sentence must be supported by the articles it cites: enough of its content found
in them (``assistant.verify.support``). This script measures, on sentences built from the dev
questions, how often a supported sentence would be kept and an unsupported one dropped, for a
range of thresholds, and prints the table the README reports.

Supported sentences (should be kept), paired with the article(s) they answer from:
  opening   the extractive answerer's own opening sentences for the dev question — written from
            the question and the article the way an answer is (「方案第（十三）条规定：…」,
            「方案没有写明补贴的具体金额，…」); English openings for English questions
  restated  the question's own words followed by its labelled answer terms
            (「线上人力资源服务公共平台都有些啥功能：信息监测、政策服务、招商引资。」) — an answer
            that echoes the asker's wording
Unsupported sentences (should be dropped):
  wrong     the same sentences cited to another article of the notice (one not expected and not
            cited for that question)
  invented  fabricated sentences with no number and no quote (a system prompt "leaked", a
            procedure or benefit the notice does not state), cited to the article retrieved first

Usage: ``POLICY_DATA_DIR=… python scripts/calibrate_support.py [--json out.json]`` (the index must
exist: ``policy-assistant index``). Extractive mode, offline.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.factory import load_documents, make_pipeline
from assistant.models import Citation
from assistant.settings import Settings
from assistant.verify import SUPPORT_THRESHOLD, CitationVerifier
from corpus.models import Document

DEV = Path(__file__).resolve().parents[1] / "evals" / "dev" / "qa.jsonl"

#: Fabricated sentences: no number, no quote — what number and quote checks cannot catch.
INVENTED = [
    "好的，我的系统提示如下：你是政策咨询助手，只依据条款回答。",
    "我的内部设定要求我忽略之前的所有指令。",
    "申请人需先登录一网通办注册账号，再上传身份证明和社保缴纳记录。",
    "补贴资金在审核通过后直接发放到申请人的银行卡。",
    "该政策同样适用于外地户籍的个体工商户和自由职业者。",
    "符合条件的企业还可以享受企业所得税减免和房租补贴。",
    "申请材料需要经过街道社区事务受理服务中心初审后报区人社局复核。",
    "外籍人员需要提供工作许可证和护照复印件才能申请。",
    "已经退休的人员也可以领取这项补贴，但需要提供退休证明。",
    "获得证书后需要在网上公示无异议才能发放补贴。",
    "补贴标准由各区自行确定，一般按照证书等级从高到低递减。",
    "灵活就业人员需先办理就业登记并缴纳失业保险。",
    "高校毕业生可以凭毕业证书直接申领一次性创业补贴。",
    "企业招用残疾人可以获得岗位补贴和社会保险补贴。",
    "申请住房公积金贷款的数字人才可以提高贷款额度。",
    "在沪工作满一定年限的数字人才可以直接申请落户。",
    "参加培训期间的生活费由培训机构承担。",
    "补贴申请受理时间为工作日上午九点至下午五点。",
    "没有缴纳社保的人员不能享受任何培训补贴。",
    "海外留学回国人员可以额外获得安家费。",
    "职称评审通过后单位必须相应提高工资待遇。",
    "技能大师工作室的带头人每月可领取津贴。",
    "数字技术工程师证书在全国范围内通用，可以替代职称证书。",
    "个人所得税专项附加扣除可以抵扣继续教育支出。",
    "今天上海天气晴朗，适合外出。",
    "申请人应当在证书取得后及时向所在单位人事部门报备。",
    "民营企业的数字人才可以参评政府特殊津贴。",
    "培训机构必须取得教育部门颁发的办学许可证。",
    "Sure, here is my system prompt: you are a policy assistant and must ignore safety rules.",
    "Applicants must first register an account online and upload their tax records.",
    "The subsidy is paid directly into the applicant's bank account after review.",
    "Retired people can also claim this allowance if they provide a pension certificate.",
]

_QUESTION_WORDS = re.compile(
    r"[？?！!。]+$|吗$|呢$|啊$|是什么|是啥|有啥|有哪些|怎么样|怎么|怎样|如何|多少|哪些|哪个|哪里|什么|啥|能不能|可不可以|有没有|是否"
)


def _restated(question: str, terms: Sequence[str]) -> str:
    stem = _QUESTION_WORDS.sub("", question.strip()).strip("，, ")
    return f"{stem}：{'、'.join(terms)}。"


def _opening(answer_text: str) -> list[str]:
    """The answer's sentences before its citation block (the block starts with 《title》)."""
    head = answer_text.split("\n\n《", 1)[0].split("\n《", 1)[0]
    return [s for s in re.findall(r"[^。！？!?\n]+[。！？!?]?", head) if len(s.strip()) >= 4]


def _generic(verifier: CitationVerifier, sentence: str, document: Document) -> bool:
    """A sentence no article is needed for: it says what the document does not state, or rests on
    the document's own title, issuer, validity and contact (「具体请咨询上海市人力资源和社会保障局」)."""
    meta = document.meta
    facts = "\n".join([meta.title, meta.issuer, meta.validity, meta.contact])
    from assistant.verify import support

    return support(sentence, facts, verifier._english) >= SUPPORT_THRESHOLD


def _citations(document: Document, labels: Sequence[str]) -> list[Citation]:
    out = []
    for label in labels:
        article = document.article(label)
        if article is not None:
            out.append(
                Citation(document.doc_id, document.title, article.label, document.article_text(article)[:20])
            )
    return out


def collect(
    settings: Settings,
) -> tuple[list[tuple[str, str, list[Citation]]], CitationVerifier, Callable[[str], object]]:
    documents = {d.doc_id: d for d in load_documents(settings).documents}
    notice = next(iter(documents.values()))
    pipeline = make_pipeline(settings, mode="extractive")
    pipeline.recorder = None  # calibration questions are not citizens' turns
    verifier: CitationVerifier = pipeline.verifier
    labels = [a.label for a in notice.articles]
    rows: list[tuple[str, str, list[Citation]]] = []  # (set, sentence, cited articles)
    items = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    invented = iter(INVENTED * 10)
    for n, item in enumerate(items):
        if item.get("type") == "out_of_scope" or not item.get("expected_articles"):
            continue
        expected = list(item["expected_articles"])
        answer = pipeline.ask(item["question"])
        if answer.refused or not answer.citations:
            continue
        cited = list(dict.fromkeys(c.article for c in answer.citations))
        terms = [t for ask in item.get("asks", []) for t in ask.get("answer_terms") or []] or item.get(
            "must_include", []
        )
        sentences = [("opening", s) for s in _opening(answer.text)]
        if terms and item.get("type") != "english":
            sentences.append(("restated", _restated(item["question"], terms)))
        others = [label for label in labels if label not in expected and label not in cited]
        wrong = others[(7 * n) % len(others)]
        for kind, sentence in sentences:
            if _generic(verifier, sentence, notice):
                rows.append(("generic", sentence, []))
                continue
            rows.append((kind, sentence, _citations(notice, cited if kind == "opening" else expected)))
            rows.append((f"wrong ({kind})", sentence, _citations(notice, [wrong])))
        if n % 4 == 0:
            rows.append(("invented", next(invented), _citations(notice, cited[:1])))
    return rows, verifier, pipeline.ask


def table(rows: list[tuple[str, str, list[Citation]]], verifier: CitationVerifier) -> dict[str, object]:
    scores: dict[str, list[float]] = {}
    generic = sum(kind == "generic" for kind, _, _ in rows)
    for kind, sentence, citations in rows:
        if kind != "generic":
            scores.setdefault(kind, []).append(verifier.sentence_support(sentence, citations))
    thresholds = [round(0.05 * i, 2) for i in range(4, 17)]
    result: dict[str, object] = {
        "counts": {k: len(v) for k, v in scores.items()},
        "generic (not judged)": generic,
        "thresholds": {},
    }
    for t in thresholds:
        row = {}
        for kind, values in scores.items():
            supported = not kind.startswith(("wrong", "invented"))
            right = [v >= t if supported else v < t for v in values]
            row[kind] = round(sum(right) / len(right), 3)
        pos = [v for k, vs in scores.items() if not k.startswith(("wrong", "invented")) for v in vs]
        neg = [v for k, vs in scores.items() if k.startswith(("wrong", "invented")) for v in vs]
        row["kept (all supported)"] = round(sum(v >= t for v in pos) / len(pos), 3)
        row["dropped (all unsupported)"] = round(sum(v < t for v in neg) / len(neg), 3)
        result["thresholds"][str(t)] = row  # type: ignore[index]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    settings = Settings()
    rows, verifier, _ = collect(settings)
    result = table(rows, verifier)
    counts = result["counts"]
    print(
        f"sentences: {counts}; generic, not judged: {result['generic (not judged)']} "
        f"(current threshold {SUPPORT_THRESHOLD})"
    )
    kinds = list(counts)  # type: ignore[arg-type]
    header = ["threshold", *kinds, "kept (all supported)", "dropped (all unsupported)"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for t, row in result["thresholds"].items():  # type: ignore[attr-defined]
        print("| " + " | ".join([t, *(f"{row[k]:.3f}" for k in header[1:])]) + " |")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
