"""What a question asks: a closed grammar of Chinese and English question forms.

Every clause of a question is read for its *asks* — the kinds of answer it wants:

| kind | Chinese forms | English forms |
|---|---|---|
| ``yes_no`` | …吗, 能不能 (any X不X), 是否, 能否, 可否, 有无 | can / is / are / do / does … at the start |
| ``amount`` | 多少(钱), 几千, 金额, 标准 of a payment, 额度, 比例, 怎么算 | how much, amount, rate |
| ``procedure`` | 怎么/如何/怎样 + 申请/办理/领/认定/评…, 流程, 步骤, 手续 | how do I / how to, procedure, steps |
| ``where`` | 哪里, 在哪, 去哪, 哪个部门/网站, 地址, 网上 | where, which office / website |
| ``time`` | 什么时候, 何时, 截止, 期限, 有效期, 多久, 几次, 哪几年 | when, deadline, how long, until |
| ``conditions`` | 什么条件, 哪些人, 资格, 要求, 门槛, 谁可以, 符合 | who can, eligible, requirements |
| ``materials`` | 材料, 证明, 申请表, 带什么 | documents, materials, forms |
| ``definition`` | 是什么, 什么是, 什么叫, 什么意思, 怎么回事, 是什么级别, 相当于什么职称 | what is / what does … mean |
| ``contact`` | 电话, 联系方式, 找谁, 热线 | contact, phone, hotline |
| ``comparison`` | X和Y(有什么)区别/不同/差别, 哪个好, X跟Y一样吗, X还是Y | difference between, compared with, which is better, easier to X or Y |
| ``content`` | 有哪些/什么 政策/支持/补贴, 怎么规定, 讲了什么 | what support / policies, what does it say |

A clause that asks (a question mark, or 吗/呢/什么/哪 …) but matches no form asks for ``content``;
a question with no asking clause at all (「技能补贴」) asks for ``content`` too. A ``yes_no``
ask about the asker themself (「我能参加吗」) is ``personal``: its answer depends on conditions
the document sets, so it is answered with those conditions. A noun the grammar reads as its
own kind (「条件是什么」 is ``conditions``, 「标准是什么」 is ``amount``) is not also a definition.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, get_args

AskKind = Literal[
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
KINDS: tuple[AskKind, ...] = get_args(AskKind)


@dataclass(frozen=True)
class Ask:
    """One thing a question asks: its kind and the clause it was read from."""

    kind: AskKind
    clause: str
    personal: bool = False  # a yes/no about the asker (「我能参加吗」, "can I …")


@dataclass(frozen=True)
class Asks:
    """The asks of a question, in the order its clauses ask them (one per kind and clause)."""

    items: tuple[Ask, ...] = ()

    def __iter__(self) -> Iterator[Ask]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def has(self, *kinds: AskKind) -> bool:
        return any(a.kind in kinds for a in self.items)

    def of(self, kind: AskKind) -> tuple[Ask, ...]:
        return tuple(a for a in self.items if a.kind == kind)

    @property
    def kinds(self) -> tuple[AskKind, ...]:
        return tuple(dict.fromkeys(a.kind for a in self.items))

    @property
    def personal(self) -> bool:
        return any(a.personal for a in self.items)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


_VERB = r"(申请|办理|办(?!呢|啊|$|[？?，,。])|申报|报名|领取|领|拿到|拿|享受|认定|评定|评审|评上|评|考取|考|参加|参与|获得|取得|认证|兑现|备案|登记)"
_PAYMENT = r"(补贴|资助|奖励|贴息|津贴|补助|工资|薪酬|收费|费用|贷款|经费)"
#: What the asker would pay (「要交钱吗」「培训收费不」, "is it free"): how much, even when asked as a
#: yes/no — in a clause that asks (「我自己花钱考了证，有没有补贴」 tells, it does not ask, what it cost).
FEE = re.compile(
    r"交钱|要钱|花钱|收钱|付钱|掏钱|收费|交费|缴费|付费|自费|免费|学费|培训费|报名费|考试费|考务费|鉴定费|"
    r"\b(fees?|free(?! to)|costs?|charged?)\b",
    re.I,
)
#: Which document something follows (「是根据国家哪个文件制定的」, "which national document"): what it
#: is based on, not papers to hand in (「申请需要什么文件」 asks for materials).
WHICH_DOCUMENT = re.compile(
    r"(根据|依据|按照|照着|依照|落实|贯彻|出自|来源于?|参照).{0,10}(哪个|哪份|哪些|什么|哪一?个|啥)(国家)?的?"
    r"(文件|政策|规定|通知|方案|红头文件)|哪个文件|哪份文件|上位文件|"
    r"\bwhich (\w+ )?(document|regulation|notice)s?\b",  # not "which policies": what they say
    re.I,
)

#: Chinese forms, per kind. Each is matched within one clause.
_ZH: dict[AskKind, re.Pattern[str]] = {
    "yes_no": _rx(
        r"吗\s*[？?!！。]*\s*$|吗[？?]|([\u4e00-\u9fff])(?<!好)不\1|有没有|有木有|可不可以|是否|能否|可否|有无|行不行|好不好使|"
        r"(伐|𠲎)\s*[？?]|"  # Shanghainese 吗: 「可以参加数字技能评价伐？」
        r"吗\s*[，,]|"  # 「他这种能申请吗，找谁申请」
        # 「能拿到等级证书不？」「还有效不」「有补贴没？」: the A-not-A question with its second A left out
        r"[\u4e00-\u9fff]{2}(不|没|没有)\s*[？?]*\s*$"
    ),
    "amount": _rx(
        rf"多少(?![次回遍趟])|几[千万百]|金额|数额|额度|比例|上限|最高(能|可)?(拿|领|补|贷)?|{_PAYMENT}标准|标准是|什么标准|怎么算|如何计算|补几|给几|几成|百分之几|多大比例"
    ),
    "procedure": _rx(
        rf"(怎么|怎样|如何|咋|怎么样才能|怎样才能|如何才能|要怎么|该怎么|需要怎么)(才能|才可以|去|来|进行)?{_VERB}|"
        r"流程|步骤|手续|程序|申请方式|办理方式|(申请|办理|报名|领取|认定)途径|通过什么途径|怎么操作|如何操作"
    ),
    "where": _rx(
        r"(在|去|到|向|找)(哪里|哪儿|哪)(?!个文件|一?条|份|一?[年月天日号级步])|哪里(办|申请|报名|领|交|提交|查|看|找|咨询|能|可以)|去哪|何处|"
        r"哪个(部门|单位|窗口|网站|平台|机构|地方|系统|app|APP)|(什么|啥)(地方|部门|网站|平台|窗口|系统)|"
        r"地址|网址|(网上|线上)(能|可以)?(申请|办理|报名|办|提交|填报|查)|官网|窗口|哪个区|哪家|在(什么|啥)地方|"
        r"(?<!是)(哪里|哪儿)\s*[？?]*\s*$"  # 「具体在青浦哪里」
    ),
    "time": _rx(
        r"(什么|啥|哪个)时候|(什么|啥)时间|何时|几时|多久|多长时间|几[月号天年次回趟遍]|多少[次回]|哪[一几]?年|哪天|截止|期限|有效期|时限|"
        r"到期|到账|还有效|还能申请|过期|时间"
    ),
    "conditions": _rx(
        r"(什么|哪些|啥|何种|哪种|哪类|有何)(样的)?(条件|要求|资格|人|人员|对象|单位|企业|群体|情况)|"
        r"条件|(?<!职业)(?<!有)(?<!够)资格(?!证)|门槛|(?<!什么)(?<!哪些)(?<!啥)要求|谁(可以|能|有资格)|符合|适用(于|对象|范围)|哪类人|够不够"
    ),
    "materials": _rx(r"材料|证明|资料|证件|申请表|表格|要带|带什么|准备(什么|哪些|啥)"),
    "definition": _rx(
        r"是什么|是啥|什么是|啥是|什么叫|啥叫|指(的是)?什么|什么意思|啥意思|含义|定义|怎么理解|是指|是干什么|是做什么|"
        r"是干嘛|干嘛的|怎么回事|是个啥|什么概念|啥概念|"
        r"(是|属于|相当于?|算|对应)(什么|啥|哪个|哪一?)(级别|等级|档次|层次|职称|水平)"
    ),
    "contact": _rx(
        r"(电话|热线|联系方式|号码|客服)(是|号码|号)?(多少|是什么|有吗|哪个|呢)|怎么联系|联系谁|联系哪|找谁|问谁|"
        r"咨询(哪|谁)|打(什么|哪个)电话|联系电话"
    ),
    "comparison": _rx(
        r"区别|差别|差异|(有|有什么|有何|有啥)不同|不同(之处|点|在哪)|哪个(更)?(好|强|高|划算|合适|有用|值钱)|哪一?种(更)?好|"
        r"(一样|相同)(吗|么|不)|比较一下|相比(较)?(怎么样|如何|哪个)"
    ),
    "content": _rx(
        rf"(有|包括|包含|提供|给予|享受|出台|还有)(哪些|什么|啥|哪几)|(什么|哪些|啥|哪几)(样的)?(政策|支持|{_PAYMENT}|措施|待遇|优惠|扶持|帮助|项目|好处|福利|规定|内容|举措|方面|证书|平台)|"
        r"怎么规定|如何规定|规定了什么|讲了什么|说了什么|写了什么|主要内容|具体内容|有什么用|作用"
    ),
}

_EN: dict[AskKind, re.Pattern[str]] = {
    "yes_no": _rx(
        r"^\s*(can|could|may|might|is|are|am|do|does|did|will|would|should|shall|has|have)\b|\bis it possible\b|\bwhether\b"
    ),
    "amount": _rx(
        r"\bhow much\b|\bhow many\b|\bamount\b|\brates?\b|\bmaximum\b|\bhow large\b|\bstandard of\b|\btargets?\b"
    ),
    "procedure": _rx(
        r"\bhow (do|can|should|would|to|does one)\b|\bprocedures?\b|\bprocess\b|\bsteps?\b|\bapply for\b|\bapplication\b"
    ),
    "where": _rx(
        r"(^|[.?!]\s*|\band\s+)where\b|\bwhere (can|do|should|would|is|are|to)\b|\bwhich (office|department|website|platform|agency|bureau|district)\b|\bapply online\b"
    ),
    "time": _rx(
        r"\bwhen\b|\bdeadline\b|\bhow long\b|\buntil\b|\bvalid\b|\bexpire|\bperiod\b|\bwhich years?\b|\bhow often\b"
    ),
    "conditions": _rx(
        r"\bwho (can|is|are|may|qualifies)\b|\beligib|\bqualif(y|ies|ied|ication)\b|\brequirements?\b|\bconditions?\b|\bcriteria\b"
    ),
    "materials": _rx(r"\bdocuments?\b|\bmaterials?\b|\bpaperwork\b|\bforms?\b|\bproof\b"),
    "definition": _rx(
        r"^\s*what (is|are)\b(?!.*\b(support|benefit|polic|measure|subsid|requirement|condition))|\bwhat does .* mean\b|\bmeaning of\b"
    ),
    "comparison": _rx(
        r"\bdiffer(ence|ent|s)?\b|\bcompared?( to| with)?\b|\bversus\b|\bvs\.?\s|\bwhich is better\b|\bsame as\b"
    ),
    "contact": _rx(r"\bcontact\b|\bphone\b|\bhotline\b|\bwho (should|do|can) i (ask|call|contact)\b"),
    "content": _rx(
        r"\bwhat (kind of |kinds of |sort of )?(support|benefits?|polic(y|ies)|measures?|subsid(y|ies)|help|incentives?|does (it|the (plan|policy|document|notice)) say)\b|\bwhich (support|benefits?|polic(y|ies)|measures?)\b|\bwhat about\b"
    ),
}

#: The nouns that make 「X是什么」 another kind's ask, not a definition.
_NOT_DEFINITION = _rx(
    r"(条件|要求|资格|标准|材料|流程|步骤|程序|时间|期限|地址|电话|网址|对象|范围)(是什么|是啥|指什么)"
)
#: 「创业补贴政策是什么」: what a policy says, not a definition.
_CONTENT_NOT_DEFINITION = _rx(
    r"(政策|措施|支持|扶持|补贴|待遇|优惠|福利|规定|内容|办法|要点)(是什么|是啥|是怎么回事|指什么)"
)
#: 「如何还款」「怎么贴息的」: how to do something, with a verb no other form knows. Not how a
#: thing is ruled or understood (怎么规定, 怎么理解, 怎么回事 and the like belong to other kinds),
#: nor a stand-in verb (怎么做, 怎么搞, 怎么走, 怎么安排), which says nothing of what is to be done.
_HOW_ZH = _rx(
    r"(怎么|如何|怎样|咋)(进行|去|来|才能)?(?!样|么|回事|规定|理解|看|说|写|讲|认为|办呢|样才|算|计算|联系|定义|界定|区分|判断|选|做|搞|弄|干|整|走|安排|操作|处理)"
    r"[\u4e00-\u9fff]"
)
#: A choice between two (「贷款容易还是开公司容易」, "is it easier to X or to Y"): which of them,
#: not whether. 还是 meaning "still" (还是不能, 还是要) does not offer a choice, nor does a 吗.
_CHOICE_ZH = _rx(
    r"[\u4e00-\u9fffA-Za-z0-9]还是(?!不|没|要|得|会|可以|能|需要|在|有|挺|很|算)[\u4e00-\u9fffA-Za-z0-9]"
)
_CHOICE_EN = _rx(
    r"\b(easier|better|harder|faster|cheaper|preferable|rather|wiser|more (suitable|useful|advantageous|worthwhile))\b[^?]*\bor\b"
)


def is_choice(clause: str, language: str) -> bool:
    """Whether ``clause`` asks which of two (a choice), not whether."""
    if language == "en":
        return bool(_CHOICE_EN.search(clause))
    return bool(_CHOICE_ZH.search(clause)) and "吗" not in clause and "么" not in clause


#: Question words that ask what/which/who/how: a 吗 after one of them does not ask whether.
_WH = _rx(r"什么|哪|谁|怎|多少|几[个种项类]|如何|啥")
_YES_NO_FORM = _rx(r"([\u4e00-\u9fff])(?<!好)不\1|有没有|是否|能否|可否|可不可以")
#: 「对X有什么要求」: what the plan asks of an institution, not who is eligible.
_DEMAND = _rx(r"(对|给|让).{1,16}(有|提出)?(什么|哪些|啥)要求")
_ELIGIBILITY = _rx(r"条件|资格|门槛|谁|哪些人|哪类人|符合|适用")
#: 「电话是多少」 asks for a number to call, not an amount.
_CRITERIA = _rx(r"(认定|评定|评审|评价|考核|申报|入选|准入|引进|认证|录用|招聘)(的)?标准")
_BASIS = _rx(r"(按照?|根据|依据|依照|参照|对照)(什么|哪些|哪个|哪一?项|啥)(国家|行业)?标准")
_NOT_AMOUNT = _rx(r"(电话|号码|网址|邮编|编号|代码|地址|热线)(是|为)?多少")
#: A clause that asks at all (for clauses no kind matches).
_ASKING_ZH = _rx(r"[？?]|吗|呢|什么|啥|哪|怎|如何|多少|几|是否|能否|可否|([\u4e00-\u9fff])不\1")
_ASKING_EN = _rx(r"\?|^\s*(what|how|which|who|when|where|why|can|could|is|are|do|does|will|may)\b")
#: The asker speaking of themself (or of someone they ask for).
#: 自己 is not among them: it refers back to the clause's subject (「企业能自己评技师吗」 asks about 企业),
#: and a clause with no subject is about the asker anyway.
_PERSONAL_ZH = _rx(r"我|本人|咱|俺|孩子|儿子|女儿|老公|老婆|爱人|家人|朋友|同事|我们|我司|我单位|我公司")
_PERSONAL_EN = _rx(r"\b(i|me|my|we|our|us|myself)\b")
#: A yes/no about a kind of person or body named before its verb (「事业单位能…吗」「民营企业的专家能…吗」)
#: is not about the asker; one with no subject (「能领补贴吗」) is.
_MODAL_ZH = re.compile(r"能不能|可不可以|会不会|是不是|有没有|是否|能否|可否|可以|能够|能|会|可|要|需要|有")
_THIRD_PARTY_ZH = _rx(
    r"单位|企业|公司|机构|院校|学校|高校|大学|学院|专家|人员|人才|员工|职工|学生|老师|教师|政府|平台|基地|"
    r"组织|团队|工程师|技师|劳动者|外国人|外地人|科研|协会|部门|园区|项目|上海|本市|方案|政策|文件|"
    r"的人|者"  # 「比赛表现突出的人能…吗」「创业者能…吗」: a kind of person described
)
#: 「会不会…」「…会…吗」 ask what will happen (会 of 社会, 机会, 协会 … aside)
_FUTURE_ZH = _rx(r"会不会|(?<![社机学协大理开年工都体约聚省])会(?=[\u4e00-\u9fff]{1,12}吗)")
_THIRD_PARTY_EN = _rx(
    r"^\s*(is|are|does|do|will|can|could)\s+(the|a|an|foreign|private|state|public|shanghai|companies|employers|"
    r"universities|there)\b"
)
#: 「…多少，还有怎么申请」 starts another question at 还有; 「脱产培训还有工资吗」 does not (还有 is the verb
#: there). A space between two Chinese characters ends a clause too, as a comma would (「场地补贴有吗 补多少」).
_CLAUSES = re.compile(
    r"(?<=[，,。；;！!？?\n])|(?<=[.!?] )|(?=另外|以及|并且|同时|此外)|(?=还有(?![^，,。；;！!？?]{0,8}吗))|"
    r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])"
)
_EN_CLAUSES = re.compile(
    r"(?<=[.!?;])\s+|,\s*(?:and |also |or )?(?=(?:how|what|where|when|who|which|can|is|are|do|does)\b)"
    r"|\s+and (?=(?:how|what|where|when|who|which|can|is|are|do|does)\b)",
    re.I,
)


def clauses(question: str, language: str = "zh") -> list[str]:
    """The clauses of a question, in order (punctuation kept with the clause it ends)."""
    splitter = _EN_CLAUSES if language == "en" else _CLAUSES
    parts = [p for p in splitter.split(question) if p and p.strip()]
    if language == "en":
        parts = [p for p in parts if p.strip().lower() not in {"and", "also", "or"}]
    return [p.strip() for p in parts] or [question.strip()]


def _third_party(clause: str, language: str) -> bool:
    """Whether a yes/no clause asks about someone other than the asker, named before its verb."""
    if language == "en":
        return bool(_THIRD_PARTY_EN.search(clause))
    if _FUTURE_ZH.search(clause):
        return True  # 「会不会把更多数字职业纳入…」「以后会公布吗」: what the plan will do
    m = _MODAL_ZH.search(clause)
    subject = clause[: m.start()] if m else clause
    return bool(_THIRD_PARTY_ZH.search(subject))


def read_asks(question: str, language: str = "zh") -> Asks:
    """The asks of ``question``, clause by clause. Never empty for a non-empty question."""
    forms = _EN if language == "en" else _ZH
    asking = _ASKING_EN if language == "en" else _ASKING_ZH
    personal_rx = _PERSONAL_EN if language == "en" else _PERSONAL_ZH
    found: list[Ask] = []
    # 「我在成都，考了证能拿补贴吗」: the asker named in one clause is the one asking in the next
    asker = bool(personal_rx.search(question))
    for clause in clauses(question, language):
        personal = asker or not _third_party(clause, language)
        kinds = [kind for kind in KINDS if forms[kind].search(clause)]
        if (
            language != "en"
            and "amount" not in kinds
            and FEE.search(clause)
            and (kinds or asking.search(clause))
        ):
            kinds.insert(1 if "yes_no" in kinds else 0, "amount")
        if "definition" in kinds and (
            _NOT_DEFINITION.search(clause)
            or any(k in kinds for k in ("conditions", "amount", "materials", "procedure"))
        ):
            kinds.remove("definition")
        if "comparison" in kinds or is_choice(clause, language):
            # 「技师与高级工有什么区别」「区别是什么」 ask how two things differ, nothing else;
            # 「贷款容易还是开公司容易」 asks which of two
            kinds = ["comparison"]
        if "definition" in kinds and _CONTENT_NOT_DEFINITION.search(clause):
            kinds.remove("definition")
            kinds.append("content")
        if "yes_no" in kinds and _WH.search(clause) and not _YES_NO_FORM.search(clause):
            kinds.remove("yes_no")  # 「还要建什么机构吗」 asks what, not whether
        if "conditions" in kinds and _DEMAND.search(clause) and not _ELIGIBILITY.search(clause):
            kinds.remove("conditions")  # 「对高校学科建设有什么要求」 asks what the plan requires of them
            kinds.append("content")
        if "materials" in kinds and WHICH_DOCUMENT.search(clause):
            kinds.remove("materials")  # "which national document is this plan carrying out"
            kinds.append("content")
        if "amount" in kinds and _NOT_AMOUNT.search(clause):
            kinds.remove("amount")
        if "amount" in kinds and _CRITERIA.search(clause):
            # 「高层次人才认定标准是什么」 asks who qualifies, not how much
            kinds.remove("amount")
            if "conditions" not in kinds:
                kinds.append("conditions")
        if "amount" in kinds and _BASIS.search(clause):
            kinds.remove("amount")  # 「按照什么标准开发的」 asks what it is based on, not how much
            kinds.append("content")
        if "content" in kinds and any(
            k in kinds for k in ("amount", "conditions", "materials", "definition")
        ):
            kinds.remove("content")  # 「有什么条件」 asks for the conditions, not for the content
        if (not kinds or kinds == ["content"]) and _HOW_ZH.search(clause) and language != "en":
            kinds = ["procedure"]  # 「创业担保贷款如何还款」: how a thing is done is a procedure too
        if not kinds and asking.search(clause):
            kinds = ["content"]
        for kind in kinds:
            found.append(Ask(kind, clause, personal and kind == "yes_no"))
    if not found:
        found.append(Ask("content", question.strip()))
    # one ask per kind and clause, and a kind asked twice in a row (「多少钱？补多少？」) once
    unique: list[Ask] = []
    for ask in found:
        if not any(u.kind == ask.kind and u.clause == ask.clause for u in unique):
            unique.append(ask)
    return Asks(tuple(unique))
