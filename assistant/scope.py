"""Scope, per the notice's consultation rule: 「只接收对该政策性文件的相关咨询」.

A question is declined when it tries to change or extract the assistant's instructions, asks
about a place no loaded document covers, asks about everyday topics or a neighbouring policy
area no loaded document speaks to (落户积分, 公积金), or when too little of what it asks about
appears in any loaded document.

Places, everyday words and neighbouring policy areas count only where the question *asks*
about them (a clause with a question word or mark, or the last clause): citizens give their
background first — 「我户口不在上海，学历只是大专，事业单位招聘还有机会吗」 asks about recruitment,
not about 户口; 「我是北京来的，能参加数字技术工程师培育项目吗」 asks about the project. The
reverse holds too: in 「单位发的成果转化现金奖励，个税怎么算」 the background is the notice's and
the question (个税) is not, so a neighbouring area is judged on the asking clauses alone. Requests
to produce something (「帮我写一段代码」) are not consultations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from assistant.places import Gazetteer, Place, is_origin
from index.models import Hit

_INSTRUCTIONS = re.compile(
    r"(忽略|无视|忘记|忘掉|作废|覆盖).{0,12}(指令|规则|设定|要求|限制|提示)|"
    r"(系统|开发者|管理员|初始)(提示词|指令|消息|设定|配置)|提示词|system prompt|prompt|"
    r"ignore (all |any )?(previous|prior|above)|jailbreak|\bDAN\b|角色扮演|扮演|你现在是|"
    r"api[ _-]?key|你的(配置|指令|规则|设定)|关闭.{0,6}(校验|核验|引用)|照着执行|"
    r"(哪个|什么)(大)?模型",
    re.I,
)
_EVERYDAY = re.compile(
    r"天气|下雨|气温|weather|诗|绝句|作文|写一篇|笑话|菜谱|做饭|好吃|食谱|股票|大盘|炒股|彩票|"
    r"八卦|星座|算命|爬虫|写代码|python|离婚|抚养权|恋爱|电影|游戏|翻译一下|餐厅|饭店|火锅|酒店|机票|景点|旅游|"
    r"\b(recipes?|stocks?|poems?|jokes?|restaurants?|hotpot|food|hotels?|flights?|train tickets?|tourists?|"
    r"travel|movies?|music|songs?|football|basketball|shopping|metro|subway|airport|taxi|bus routes?)\b",
    re.I,
)


#: Requests to produce something rather than questions about a policy (「帮我写一段爬虫」).
_TASKS = re.compile(r"帮我(写|做|画|编|生成|翻译|改写)|写(一|个|几)(段|篇|首|个|份|封)|写代码|编程序", re.I)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: Neighbouring policy areas people often ask a policy hotline about. A question about one of
#: them is declined unless a loaded document speaks to it (its words are in the vocabulary).
_OTHER_POLICIES = _words(
    "个税 个人所得税 专项附加扣除 公积金 落户 积分落户 居住证 户口 户籍迁移 医保 养老金 退休金 低保 失业金 "
    "失业保险金 房贷 购房 租房补贴 缴费基数 生育津贴 产假 工伤认定 拆迁 迁户口 户口迁移"
)
#: Moving a household registration (the notice speaks of 户籍 only as a hiring limit to drop).
_MIGRATION = re.compile(r"(户口|户籍).{0,8}(迁|转|落|挂)|(迁|转|落|挂).{0,3}(户口|户籍)")
#: The same areas asked in English (English questions have no vocabulary test to fall back on).
#: Not "hukou": the notice speaks of 户籍 limits in recruitment, as 户口 is allowed above.
_OTHER_POLICIES_EN = re.compile(
    r"points system|settle in|housing (provident )?fund|provident fund|income tax|"
    r"\btax(es)?\b|pension|medical insurance|health insurance|social insurance|residence permit|"
    r"unemployment (benefit|insurance)|maternity",
    re.I,
)
#: A modal and a one-character verb cut as one word (能补, 能领, 可以领, 想问): how a question asks,
#: not what it is about; as a rare "word" it would weigh most in the coverage test.
_MODAL_VERB = re.compile(r"^(能|可|可以|会|要|想|该|得|还能|能够)[\u4e00-\u9fff]$")
#: A segmentation remnant: one character with a particle or modal stuck to it (「考了证能拿补贴吗」
#: cuts as 考了 / 证能). Such a "word" is as telling as its one character, which is to say not at
#: all, instead of weighing like a rare word the documents never use.
_REMNANT = re.compile(
    r"^[\u4e00-\u9fff][了过着的地得能会可要吗呢吧啊呀嘛么也都就还才又]$|^[了过着的地得能会可要也都就还才又][\u4e00-\u9fff]$"
)
#: Words that point at the loaded document itself (「这个方案是哪几年的」).
_SELF_REFERENCE = re.compile(
    r"(这个|该|本|此|这份|这一|這個|這份)(方案|文件|政策|通知|实施方案)|this (plan|policy|document|notice)",
    re.I,
)


#: What marks a clause as the one that asks (Chinese question words and marks, English ones).
_ASKING = re.compile(
    r"[？?]|([\u4e00-\u9fff])不\1|吗|呢|怎么|怎样|如何|多少|哪|什么|啥|咋|是否|能否|可否|能不能|可不可以|有没有|"
    r"要不要|会不会|行不行|^\s*(what|how|which|who|when|where|why|can|could|is|are|does|do|will)\b",
    re.I,
)
#: Words that ask only when nothing else in the question does: beside a clause that asks,
#: 「我在香港考过几个证书，」 says how many, it does not ask.
_ASKING_WEAK = re.compile(r"几[个年月天项种]")
_CLAUSE_SPLIT = re.compile(r"(?<=[，,。；;！!？?\n])|(?<=[.!?] )")


#: A clause that names the topic the next one asks about: 「居住证积分里面，…有没有加分项」.
_TOPIC = re.compile(r"(里面|里边|里头|里|方面|这块|这一块|这边|那边|的话|当中)\s*[，,：:]?\s*$")


def asking_clauses(question: str) -> list[str]:
    """The clauses of ``question`` that ask something: those with a question word or mark, those
    that name the topic asked about (「…里面，」), and always the last one (「…，公积金提取要什么条件」,
    「…户口不在上海，…还有机会吗」)."""
    clauses = [c for c in _CLAUSE_SPLIT.split(question) if c.strip()]
    if not clauses:
        return [question]
    marker = _ASKING if any(_ASKING.search(c) for c in clauses) else _ASKING_WEAK
    asking = [c for c in clauses[:-1] if marker.search(c) or _TOPIC.search(c)]
    return [*asking, clauses[-1]]


@dataclass(frozen=True)
class ScopeDecision:
    in_scope: bool
    reason: str = ""  # instructions | place | everyday | other_policy | off_topic | no_match
    place: str = ""  # the place asked about, as written, when reason is "place"


#: Where the asker is: 「我在杭州工作」 "I work in Hangzhou" (the place before its verb).
_LIVING_BEFORE = re.compile(
    r"(在|住在|人在)\s*$|\b(work|live|living|working|based|stay|staying|study|studying) in\s*$", re.I
)
_LIVING_AFTER = re.compile(r"^(市|省|区|县)?(工作|上班|生活|居住|住|读书|上学|就业|打工|发展)")


def _with_case(written: str, normalized: str) -> str:
    """The normalised question with its letters' case as written, where the two align: a county
    is named in English with a capital (Kunshan)."""
    if len(written) != len(normalized):
        return normalized
    return "".join(w if w.lower() == n else n for w, n in zip(written, normalized, strict=True))


def _lives_there(question: str, start: int, end: int) -> bool:
    """Whether a place is named as where the asker lives or works (「我在杭州上班」 "I live in
    Hangzhou"), not as whose policy is asked about."""
    before, after = question[:start], question[end:]
    return bool(_LIVING_BEFORE.search(before)) and (bool(_LIVING_AFTER.match(after)) or question.isascii())


#: The documents' own region said without its name (「本市」「沪」).
_HOME_WORDS = re.compile(r"本市|在沪|来沪|赴沪|留沪|沪上|\bshanghai\b", re.I)


class ScopeChecker:
    """Decides whether the loaded documents can speak to a question.

    ``topic_terms`` turns a question into its content words (stopwords removed, normalised);
    ``vocabulary`` is the set of content words of the loaded documents (and everyday words for
    them: 户口 when a document says 户籍); ``covered_text`` names the regions the loaded documents
    speak for (their titles, issuers and text); ``normalize`` makes the rules meet traditional
    characters and full-width letters (居住證 → 居住证).
    """

    def __init__(
        self,
        topic_terms: Callable[[str], list[str]],
        vocabulary: Collection[str],
        covered_text: str,
        weight: Callable[[str], float] = len,
        min_coverage: float = 0.25,
        other_policy_coverage: float = 0.6,
        normalize: Callable[[str], str] = str.lower,
        places: Gazetteer | None = None,
        home: Sequence[str] = (),
    ) -> None:
        """``places`` finds divisions of China in a question; ``home`` is the code prefixes of the
        region the loaded documents speak for (31: 上海). Without a home (national documents)
        no question is declined for its place."""
        self._places = places
        self._home = tuple(home)
        self._normalize = normalize
        self._topic_terms = topic_terms
        self._vocabulary = vocabulary
        self._covered = covered_text
        self._weight = weight
        self._min_coverage = min_coverage
        self._other_policy_coverage = other_policy_coverage

    def check(
        self, question: str, hits: Sequence[Hit], language: str = "zh", follows_on: bool = False
    ) -> ScopeDecision:
        """``follows_on``: the question continues a conversation about the documents' own measures
        (a follow-up), so a place where the asker lives or works (「我在杭州工作可以吗？」) is
        background, as when the documents' region is named."""
        written, question = question, self._normalize(question)
        if _INSTRUCTIONS.search(question):
            return ScopeDecision(False, "instructions")
        if _TASKS.search(question):
            return ScopeDecision(False, "everyday")
        asked = " ".join(asking_clauses(question))
        elsewhere = self._elsewhere(_with_case(written, question), asked, follows_on)
        if elsewhere:
            return ScopeDecision(False, "place", elsewhere)
        coverage = self._coverage(question) if language != "en" else 0.0
        # an everyday word in a question that is mostly about the documents (「游戏行业的数字人才…」)
        # does not make it an everyday question; English has no coverage to tell, so it counts
        if _EVERYDAY.search(asked) and coverage < self._other_policy_coverage:
            return ScopeDecision(False, "everyday")
        if not hits:
            return ScopeDecision(False, "no_match")
        if language == "en":
            # the vocabulary is Chinese: English relies on the rules above and this one
            if _OTHER_POLICIES_EN.search(asked):
                return ScopeDecision(False, "other_policy")
            return ScopeDecision(True)
        other = [p for p in _OTHER_POLICIES if p in asked and p not in self._vocabulary]
        other += [m.group(0) for m in _MIGRATION.finditer(asked)]
        # judged on what is asked, the neighbouring words counted as asked words too: in
        # 「单位发的成果转化现金奖励，个税怎么算」 the background is the notice's, the question is not
        if other and self._coverage(asked, extra=other) < self._other_policy_coverage:
            return ScopeDecision(False, "other_policy")
        # a preamble (「回到正题，」「顺便问下，」) does not make a question off-topic
        if max(coverage, self._coverage(asked)) < self._min_coverage and not _SELF_REFERENCE.search(question):
            return ScopeDecision(False, "off_topic")
        return ScopeDecision(True)

    def _elsewhere(self, question: str, asked: str, follows_on: bool = False) -> str:
        """The place outside the documents' region the question asks about, or ''.

        A place counts where the asker is or whose policy it is (「我在成都，…」「绍兴的补贴」), not
        where they or a certificate come from (「我是北京来的」「在香港考的证书」). It declines the
        question when it is in a clause that asks, or when the question does not name the
        documents' own region anywhere (「我在成都，考了证能拿补贴吗」).
        """
        if self._places is None or not self._home:
            return ""
        found = self._places.find(question)
        foreign = [p for p in found if not p.within(self._home) and not is_origin(question, p)]
        if not foreign:
            return ""
        home_named = any(p.within(self._home) for p in found) or bool(_HOME_WORDS.search(question))
        for place in foreign:
            if _lives_there(question, place.start, place.start + len(place.written)) and (
                follows_on or self._home_named_after(question, found, place.start)
            ):
                continue  # 「我在杭州工作，可以参加上海的…项目吗」 asks about the documents' own measure
            if place.written.lower() in asked.lower() or not home_named:
                return place.written.title() if place.written.isascii() else place.written
        return ""

    def _home_named_after(self, question: str, found: Sequence[Place], start: int) -> bool:
        """Whether the documents' own region is named after position ``start``."""
        return any(p.start > start and p.within(self._home) for p in found) or any(
            m.start() > start for m in _HOME_WORDS.finditer(question)
        )

    def _coverage(self, question: str, extra: Sequence[str] = ()) -> float:
        """Share of the question's content words (and ``extra`` words; weighted by how telling
        they are) that the loaded documents use; 1.0 for a question with no content words."""
        terms = [
            t
            for t in dict.fromkeys([*self._topic_terms(question), *extra])
            if not _MODAL_VERB.match(t) and (t in self._vocabulary or not _REMNANT.match(t))
        ]
        total = sum(self._weight(t) for t in terms)
        if total <= 0:
            return 1.0
        return sum(self._weight(t) for t in terms if t in self._vocabulary) / total
