#!/usr/bin/env python3
"""Validate a hand-written QA set of the notice (standard library only).

Checks SET/qa.jsonl and SET/conversations.jsonl of one of the sets (evals/dev,
evals/heldout, evals/test, evals/fresh, evals/fresh2, evals/fresh3, evals/real) against the
source notice and prints counts per type and per article (and, when the set
uses them, per kind of ask and the number of `place` items). Exits 1 on any
problem.

    python3 evals/check_qa_set.py evals/dev
    python3 evals/check_qa_set.py evals/heldout --source /path/to/sh-digital-talent-2024.txt

Rules checked (for every question and every conversation turn):
  * one JSON object per line; required fields present, no unknown fields
    (the optional fields `asks`, `place` and `source` are known, see below);
  * ids unique and of the set's form (dev: q001…/c01…, heldout: h001…/hc01…,
    test: t001…/tc01…, fresh: f001…/fc01…, fresh2: g001…/gc01…,
    fresh3: h001…/hc01…, reviewed: v001…/vc01…, reviewed2: w001…/wc01…,
    real: r001…/rc01…);
  * question: non-empty string; no duplicate question text in qa.jsonl;
  * type in the allowed set;
  * expected_articles: list of known labels (（一）…（十四）, 前言), plain or
    "sh-digital-talent-2024#（十三）", no duplicates;
    out_of_scope <=> empty list; multi => at least 2 labels;
  * must_include: list of 0–3 strings of 2–12 characters; empty for out_of_scope;
    at least one for fact/eligibility/subsidy/procedure/multi/english; every
    string is a verbatim substring of the text of at least one expected article;
  * english questions are written in English (mostly ASCII, no CJK);
  * conversations have 2–4 turns;
  * optional `asks` (a non-empty list; not on out_of_scope): each ask is an
    object with `kind` in KINDS and `stated` (bool); `answer_terms` only when
    stated is true — 1–3 strings of 2–12 characters, each a verbatim substring
    of an expected article, required for every kind but yes_no (optional
    there); `grants` (bool) exactly on yes_no asks with stated true; no other
    keys; a not_in_doc item with asks has at least one ask with stated false;
  * optional `place`: a non-empty string, only on out_of_scope items;
  * optional `source`: a non-empty string (the address a real question was
    taken from);
  * optional `reviewed`: the question of the reviewed answer expected beside
    the answer (a non-empty string; with SET/answers.jsonl, one of its
    questions; reviewed2 uses evals/reviewed/answers.jsonl) or false (none
    should be shown); only false on out_of_scope;
  * per set: `asks` required on every non-out_of_scope item and turn (fresh2,
    fresh3, real), `source` required on every item and turn (real);
  * coverage: minimum number of questions / conversations, every type present
    in qa.jsonl and every article label expected by at least --min-per-article
    questions in qa.jsonl (both skipped for evals/real, whose items are real
    questions as people asked them and are not chosen to cover the notice).

Article split of the source: the plan title line (its standalone, second
occurrence) starts 前言; a line starting "(一)"…"(十四)" starts that article and
continuation lines belong to it; part headings "一、"…"四、" and the closing
"(注:…)" line belong to no article. The notice header above the plan title
(issuer, date) is therefore NOT part of 前言 for these checks.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parent / "corpus" / "documents" / "sh-digital-talent-2024.txt"
#: set folder name → (question id prefix, conversation id prefix, min questions, min conversations)
SETS = {
    "dev": ("q", "c", 130, 14),
    "heldout": ("h", "hc", 90, 8),
    "test": ("t", "tc", 80, 6),
    "fresh": ("f", "fc", 60, 5),
    "fresh2": ("g", "gc", 60, 5),
    "fresh3": ("h", "hc", 60, 5),
    "fresh4": ("f4q", "f4c", 60, 5),
    "fresh5": ("f5q", "f5c", 60, 5),
    "fresh6": ("f6q", "f6c", 80, 6),
    "fresh7": ("f7q", "f7c", 80, 6),
    "fresh8": ("f8q", "f8c", 80, 6),
    "fresh9": ("f9q", "f9c", 80, 6),
    "fresh10": ("f10q", "f10c", 80, 6),
    "real": ("r", "rc", 75, 0),
    "real2": ("s", "sc", 70, 5),
    "real3": ("t", "tc", 70, 5),
    "real4": ("u", "uc", 45, 5),
    "reviewed": ("v", "vc", 25, 2),
    "reviewed2": ("w", "wc", 30, 2),
}
#: sets whose every non-out_of_scope item and turn must carry `asks`
REQUIRE_ASKS = {
    "fresh2",
    "fresh3",
    "fresh4",
    "fresh5",
    "fresh6",
    "fresh7",
    "fresh8",
    "fresh9",
    "fresh10",
    "real",
    "real2",
    "real3",
    "real4",
}
#: sets whose every item and turn must carry `source`
REQUIRE_SOURCE = {"real", "real2", "real3", "real4"}
#: sets of real questions: no coverage requirement (all types present, ≥N per article)
NO_COVERAGE = {"real", "real2", "real3", "real4", "reviewed", "reviewed2"}
#: sets labelled with another set's reviewed answers (their import file is that set's answers.jsonl)
ANSWERS_OF = {"reviewed2": "reviewed"}
DOC_ID = "sh-digital-talent-2024"
PLAN_TITLE = "上海市加快数字技术技能人才培育支撑数字经济发展实施方案(2024-2026年)"

TYPES = ["fact", "eligibility", "subsidy", "procedure", "multi", "english", "not_in_doc", "out_of_scope"]
NEEDS_MUST_INCLUDE = {"fact", "eligibility", "subsidy", "procedure", "multi", "english"}
NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四"]
LABELS = ["前言"] + [f"（{n}）" for n in NUMERALS]
ITEM_FIELDS = {"question", "expected_articles", "must_include", "type"}
OPTIONAL_FIELDS = {"asks", "place", "source", "reviewed"}
KINDS = [
    "yes_no",
    "amount",
    "procedure",
    "where",
    "time",
    "conditions",
    "materials",
    "definition",
    "contact",
    "comparison",
    "content",
]
ASK_FIELDS = {"kind", "stated", "answer_terms", "grants"}
ARTICLE_RE = re.compile(r"^\((十[一二三四]?|[一二三四五六七八九])\)")
PART_RE = re.compile(r"^[一二三四五六七八九十]+、")
CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def split_articles(text: str) -> dict[str, str]:
    """Return {label: article text} for 前言 and （一）…（十四）."""
    lines = [ln.strip() for ln in text.splitlines()]
    title_idx = [i for i, ln in enumerate(lines) if ln == PLAN_TITLE]
    if not title_idx:
        raise ValueError(f"standalone plan title line not found: {PLAN_TITLE}")
    articles: dict[str, list[str]] = {"前言": []}
    current: str | None = "前言"
    for ln in lines[title_idx[0] + 1 :]:
        if not ln:
            continue
        m = ARTICLE_RE.match(ln)
        if m:
            current = f"（{m.group(1)}）"
            if current in articles:
                raise ValueError(f"article {current} appears twice in the source")
            articles[current] = [ln]
        elif PART_RE.match(ln) or ln.startswith("(注"):
            current = None  # part heading / closing note: belongs to no article
        elif current is not None:
            articles[current].append(ln)
    found = list(articles)
    if found != LABELS:
        raise ValueError(f"unexpected article structure: {found}")
    return {k: "\n".join(v) for k, v in articles.items()}


def plain_label(label: str) -> str:
    return label.split("#", 1)[1] if label.startswith(DOC_ID + "#") else label


class Checker:
    def __init__(
        self,
        articles: dict[str, str],
        require_asks: bool = False,
        require_source: bool = False,
        reviewed_questions: set[str] | None = None,
    ):
        self.articles = articles
        #: the questions of the set's reviewed-answer import file (SET/answers.jsonl), when it has one
        self.reviewed_questions = reviewed_questions
        self.require_asks = require_asks
        self.require_source = require_source
        self.problems: list[str] = []
        #: kind → [asks, of which stated]
        self.ask_counts: dict[str, list[int]] = {k: [0, 0] for k in KINDS}
        self.n_place = 0
        self.n_source = 0

    def err(self, where: str, msg: str) -> None:
        self.problems.append(f"{where}: {msg}")

    def check_id(self, where: str, value: object, prefix: str, digits: int, seen: set[str]) -> None:
        """``value`` looks like ``prefix`` + at least ``digits`` digits and was not seen before."""
        if not isinstance(value, str) or not re.fullmatch(rf"{prefix}\d{{{digits},}}", value):
            self.err(where, f"id must look like {prefix}{'0' * (digits - 1)}1")
        elif value in seen:
            self.err(where, "duplicate id")
        seen.add(str(value))

    @staticmethod
    def count(obj: dict, types: Counter, arts: Counter) -> None:
        """Add an item to the per-type and per-article counts."""
        types[obj["type"]] += 1
        if isinstance(obj["expected_articles"], list):
            for a in obj["expected_articles"]:
                arts[plain_label(str(a))] += 1

    def check_item(self, where: str, obj: dict) -> None:
        q = obj.get("question")
        if not isinstance(q, str) or not q.strip():
            self.err(where, "question must be a non-empty string")
            q = ""
        typ = obj.get("type")
        if typ not in TYPES:
            self.err(where, f"type {typ!r} not in {TYPES}")
        arts = obj.get("expected_articles")
        if not isinstance(arts, list) or not all(isinstance(a, str) for a in arts):
            self.err(where, "expected_articles must be a list of strings")
            arts = []
        plain = [plain_label(a) for a in arts]
        for a, p in zip(arts, plain, strict=True):
            if p not in LABELS:
                self.err(where, f"unknown article label {a!r}")
        if len(set(plain)) != len(plain):
            self.err(where, f"duplicate labels in expected_articles {arts}")
        if (typ == "out_of_scope") != (len(arts) == 0):
            self.err(
                where, "out_of_scope must have empty expected_articles and every other type at least one"
            )
        if typ == "multi" and len(set(plain)) < 2:
            self.err(where, "multi needs at least 2 expected articles")
        mi = obj.get("must_include")
        if not isinstance(mi, list) or not all(isinstance(s, str) for s in mi):
            self.err(where, "must_include must be a list of strings")
            mi = []
        if len(mi) > 3:
            self.err(where, f"must_include has {len(mi)} entries (max 3)")
        if typ == "out_of_scope" and mi:
            self.err(where, "out_of_scope must have empty must_include")
        if typ in NEEDS_MUST_INCLUDE and not mi:
            self.err(where, f"type {typ} needs at least one must_include string")
        texts = [self.articles[p] for p in plain if p in self.articles]
        for s in mi:
            if not 2 <= len(s) <= 12:
                self.err(where, f"must_include {s!r} has {len(s)} chars (2–12)")
            if texts and not any(s in t for t in texts):
                self.err(where, f"must_include {s!r} is not verbatim in any of {arts}")
        if typ == "english":
            ascii_share = sum(ch.isascii() for ch in q) / max(len(q), 1)
            if CJK_RE.search(q) or ascii_share < 0.9:
                self.err(where, "english question should be written in English")
        self.check_optional(where, obj, typ, texts, arts)

    def check_optional(self, where: str, obj: dict, typ: object, texts: list[str], arts: list[str]) -> None:
        """The optional fields `asks`, `place`, `source` and `reviewed`."""
        if "reviewed" in obj:
            rv = obj["reviewed"]
            if rv is not False and (not isinstance(rv, str) or not rv.strip()):
                self.err(where, "reviewed must be a non-empty string (a reviewed answer's question) or false")
            elif rv is not False and typ == "out_of_scope":
                self.err(where, "reviewed must be false on out_of_scope items")
            elif (
                isinstance(rv, str)
                and self.reviewed_questions is not None
                and rv not in self.reviewed_questions
            ):
                self.err(where, f"reviewed {rv!r} is not a question of answers.jsonl")
        if "source" in obj:
            src = obj["source"]
            if not isinstance(src, str) or not src.strip():
                self.err(where, "source must be a non-empty string")
            else:
                self.n_source += 1
        elif self.require_source:
            self.err(where, "source is required in this set")
        if "place" in obj:
            place = obj["place"]
            if not isinstance(place, str) or not place.strip():
                self.err(where, "place must be a non-empty string")
            if typ != "out_of_scope":
                self.err(where, "place is only allowed on out_of_scope items")
            else:
                self.n_place += 1
        if "asks" in obj:
            if typ == "out_of_scope":
                self.err(where, "out_of_scope items carry no asks")
            self.check_asks(where, obj["asks"], texts, arts)
            asks = obj["asks"]
            if (
                typ == "not_in_doc"
                and isinstance(asks, list)
                and asks
                and all(isinstance(a, dict) and a.get("stated") is True for a in asks)
            ):
                self.err(where, "a not_in_doc item needs at least one ask with stated false")
        elif self.require_asks and typ != "out_of_scope":
            self.err(where, "asks is required on every item that is not out_of_scope in this set")

    def check_asks(self, where: str, asks: object, texts: list[str], arts: list[str]) -> None:
        if not isinstance(asks, list) or not asks:
            self.err(where, "asks must be a non-empty list")
            return
        for i, ask in enumerate(asks, 1):
            aw = f"{where} ask {i}"
            if not isinstance(ask, dict):
                self.err(aw, "ask must be an object")
                continue
            extra = ask.keys() - ASK_FIELDS
            if extra:
                self.err(aw, f"unknown ask fields {sorted(extra)}")
            kind = ask.get("kind")
            if kind not in KINDS:
                self.err(aw, f"kind {kind!r} not in {KINDS}")
            stated = ask.get("stated")
            if not isinstance(stated, bool):
                self.err(aw, "stated must be true or false")
            elif kind in KINDS:
                self.ask_counts[kind][0] += 1
                self.ask_counts[kind][1] += int(stated)
            terms = ask.get("answer_terms")
            if "answer_terms" in ask:
                if stated is not True:
                    self.err(aw, "answer_terms only when stated is true")
                if (
                    not isinstance(terms, list)
                    or not 1 <= len(terms) <= 3
                    or not all(isinstance(t, str) for t in terms)
                ):
                    self.err(aw, "answer_terms must be a list of 1–3 strings")
                else:
                    for t in terms:
                        if not 2 <= len(t) <= 12:
                            self.err(aw, f"answer_terms {t!r} has {len(t)} chars (2–12)")
                        if texts and not any(t in x for x in texts):
                            self.err(aw, f"answer_terms {t!r} is not verbatim in any of {arts}")
            elif stated is True and kind != "yes_no":
                self.err(aw, "a stated ask other than yes_no needs answer_terms")
            if "grants" in ask:
                if kind != "yes_no" or stated is not True:
                    self.err(aw, "grants only on a yes_no ask with stated true")
                if not isinstance(ask["grants"], bool):
                    self.err(aw, "grants must be true or false")
            elif kind == "yes_no" and stated is True:
                self.err(aw, "a stated yes_no ask needs grants")

    def check_keys(
        self, where: str, obj: dict, required: set[str], optional: frozenset[str] = frozenset()
    ) -> bool:
        missing = required - obj.keys()
        extra = obj.keys() - required - optional
        if missing:
            self.err(where, f"missing fields {sorted(missing)}")
        if extra:
            self.err(where, f"unknown fields {sorted(extra)}")
        return not missing


def read_jsonl(path: Path, chk: Checker) -> list[tuple[int, dict]]:
    rows: list[tuple[int, dict]] = []
    if not path.exists():
        chk.err(str(path), "file not found")
        return rows
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            chk.err(f"{path.name}:{n}", "blank line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            chk.err(f"{path.name}:{n}", f"invalid JSON: {e}")
            continue
        if not isinstance(obj, dict):
            chk.err(f"{path.name}:{n}", "line is not a JSON object")
            continue
        rows.append((n, obj))
    return rows


def pad(s: str, width: int) -> str:
    """Left-justify by display width (CJK characters count as 2 columns)."""
    w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)
    return s + " " * max(width - w, 0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "set", type=Path, help="the set's folder: evals/dev, evals/heldout, evals/test, … or evals/real"
    )
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--min-per-article", type=int, default=3)
    args = ap.parse_args()
    if args.set.name not in SETS:
        print(
            f"ERROR: expected one of {', '.join(f'evals/{n}' for n in SETS)}; got {args.set}", file=sys.stderr
        )
        return 1
    q_prefix, c_prefix, min_questions, min_conversations = SETS[args.set.name]
    coverage = args.set.name not in NO_COVERAGE
    args.qa = args.set / "qa.jsonl"
    args.conversations = args.set / "conversations.jsonl"
    args.min_questions, args.min_conversations = min_questions, min_conversations

    try:
        articles = split_articles(args.source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        print(f"ERROR reading source: {e}", file=sys.stderr)
        return 1
    answers = args.set / "answers.jsonl"
    if not answers.is_file() and args.set.name in ANSWERS_OF:
        answers = args.set.parent / ANSWERS_OF[args.set.name] / "answers.jsonl"
    reviewed_questions = (
        {
            json.loads(line)["question"]
            for line in answers.read_text(encoding="utf-8").splitlines()
            if line.strip()
        }
        if answers.is_file()
        else None
    )
    chk = Checker(
        articles,
        require_asks=args.set.name in REQUIRE_ASKS,
        require_source=args.set.name in REQUIRE_SOURCE,
        reviewed_questions=reviewed_questions,
    )

    # ---- qa.jsonl
    qa_types: Counter = Counter()
    qa_arts: Counter = Counter()
    ids: set[str] = set()
    questions: dict[str, str] = {}
    qa_rows = read_jsonl(args.qa, chk)
    for n, obj in qa_rows:
        where = f"{args.qa.name}:{n}"
        if not chk.check_keys(where, obj, ITEM_FIELDS | {"id"}, frozenset(OPTIONAL_FIELDS)):
            continue
        qid = obj["id"]
        where = f"{where} ({qid})"
        chk.check_id(where, qid, q_prefix, 3, ids)
        qtext = unicodedata.normalize("NFKC", str(obj["question"])).strip()
        if qtext in questions:
            chk.err(where, f"duplicate question (same as {questions[qtext]})")
        questions[qtext] = str(qid)
        chk.check_item(where, obj)
        chk.count(obj, qa_types, qa_arts)

    # ---- conversations.jsonl
    cv_types: Counter = Counter()
    cv_arts: Counter = Counter()
    cids: set[str] = set()
    n_turns = 0
    cv_rows = read_jsonl(args.conversations, chk)
    for n, obj in cv_rows:
        where = f"{args.conversations.name}:{n}"
        if not chk.check_keys(where, obj, {"id", "turns"}):
            continue
        cid = obj["id"]
        where = f"{where} ({cid})"
        chk.check_id(where, cid, c_prefix, 2, cids)
        turns = obj["turns"]
        if not isinstance(turns, list) or not 2 <= len(turns) <= 4:
            chk.err(where, "turns must be a list of 2–4 turns")
            continue
        for t, turn in enumerate(turns, 1):
            tw = f"{where} turn {t}"
            if not isinstance(turn, dict):
                chk.err(tw, "turn is not an object")
                continue
            if not chk.check_keys(tw, turn, ITEM_FIELDS, frozenset(OPTIONAL_FIELDS)):
                continue
            chk.check_item(tw, turn)
            n_turns += 1
            chk.count(turn, cv_types, cv_arts)

    # ---- coverage
    if len(qa_rows) < args.min_questions:
        chk.err(args.qa.name, f"{len(qa_rows)} questions < {args.min_questions}")
    if len(cv_rows) < args.min_conversations:
        chk.err(args.conversations.name, f"{len(cv_rows)} conversations < {args.min_conversations}")
    for type_name in TYPES if coverage else []:
        if qa_types[type_name] == 0:
            chk.err(args.qa.name, f"no question of type {type_name}")
    for lab in LABELS if coverage else []:
        if qa_arts[lab] < args.min_per_article:
            chk.err(
                args.qa.name,
                f"article {lab} expected by only {qa_arts[lab]} questions (< {args.min_per_article})",
            )

    print(f"source: {args.source} ({len(articles)} units: 前言 + 14 articles)")
    print(
        f"qa.jsonl: {len(qa_rows)} questions; conversations.jsonl: "
        f"{len(cv_rows)} conversations, {n_turns} turns\n"
    )
    print("per type        qa   conv")
    for type_name in TYPES:
        print(f"  {type_name:<12}{qa_types[type_name]:>5}{cv_types[type_name]:>7}")
    print(f"  {'total':<12}{sum(qa_types.values()):>5}{sum(cv_types.values()):>7}")
    print("\nper article           qa   conv")
    for lab in LABELS:
        print(f"  {pad(lab, 22)}{qa_arts[lab]:>5}{cv_arts[lab]:>7}")
    print(f"  {pad('(none: out_of_scope)', 22)}{qa_types['out_of_scope']:>5}{cv_types['out_of_scope']:>7}")
    n_asks = sum(n for n, _ in chk.ask_counts.values())
    if n_asks:
        print("\nasks (qa + conv)  asks  stated  not stated")
        for kind in KINDS:
            n, st = chk.ask_counts[kind]
            print(f"  {kind:<14}{n:>7}{st:>8}{n - st:>12}")
        n_st = sum(st for _, st in chk.ask_counts.values())
        print(f"  {'total':<14}{n_asks:>7}{n_st:>8}{n_asks - n_st:>12}")
    if chk.n_place:
        print(f"\nout_of_scope items naming another place (`place`, qa + conv): {chk.n_place}")
    if chk.n_source:
        print(f"items and turns with a `source`: {chk.n_source}")

    if chk.problems:
        print(f"\n{len(chk.problems)} problem(s):", file=sys.stderr)
        for p in chk.problems:
            print("  " + p, file=sys.stderr)
        return 1
    print("\nOK: no problems found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
