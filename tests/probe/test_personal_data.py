"""Personal data of every kind the masking rules name, typed through every door, and looked for
everywhere it could end up: the chat model's requests (answer and follow-up prompts), the
conversation log (staff page, admin export, CLI export), the server's own output, the answers."""

from __future__ import annotations

import json
import subprocess
import unicodedata

import httpx
import pytest
from gradio_client import Client

from assistant.llm.fake_server import FakeOpenAIServer
from tests.probe.conftest import ADMIN_TOKEN, CLI, STAFF, Served

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

NOTICE = "sh-digital-talent-2024"

#: kind → (the value, how a citizen says it)
PERSONAL: dict[str, tuple[str, str]] = {
    "id card": ("11010519491231002X", "我的身份证号是11010519491231002X"),
    "id card, full width": (
        "３１０１０４１９９００１０１１２３３",
        "身份证３１０１０４１９９００１０１１２３３",
    ),
    "old id card": ("310104900101123", "老身份证310104900101123"),
    "mobile": ("13812345678", "手机13812345678"),
    "mobile, spaced": ("139 1234 5678", "电话 139 1234 5678"),
    "mobile, grouped 4-4-3": ("1391 2345 678", "手机1391 2345 678"),
    "mobile, full width": ("１３７１２３４５６７８", "我的手机１３７１２３４５６７８"),
    "mobile, +86": ("+86 186-1234-5678", "号码 +86 186-1234-5678"),
    "mobile, dictated": ("一三九八七六五四三二一", "电话一三九八七六五四三二一"),
    "landline": ("021-62345678", "座机021-62345678"),
    "landline, local": ("62345679", "我的电话是62345679"),
    "bank card": ("6222021234567890128", "卡号6222021234567890128"),
    "bank card, grouped": ("6222 0212 3456 7890 128", "银行卡 6222 0212 3456 7890 128"),
    "email": ("zhangsan@example.com", "邮箱zhangsan@example.com"),
    "email, full width": ("lisi＠example．com", "邮箱lisi＠example．com"),
    "passport": ("E12345678", "护照号E12345678"),
    "passport, new": ("EA7654321", "我的护照是EA7654321"),
    "travel permit": ("C87654321", "港澳通行证C87654321"),
    "address": ("张江路123弄4号502室", "我家住上海市浦东新区张江路123弄4号502室"),
    "address, estate": ("幸福小区3栋2单元501室", "住在幸福小区3栋2单元501室"),
    "name, self": ("张三丰", "我叫张三丰"),
    "name, weak": ("欧阳娜娜", "我是欧阳娜娜。"),
    "name, son": ("王小明", "我儿子叫王小明"),
    "name, daughter": ("张丽丽", "我女儿叫张丽丽想申请"),
    "name, contact": ("李建国", "联系人：李建国"),
    "name, applicant": ("赵敏华", "申请人是赵敏华"),
    "name, English": ("Li Lei", "My name is Li Lei"),
    "WeChat": ("zhangsan_88", "微信号 zhangsan_88"),
    "QQ": ("987654321", "QQ：987654321"),
    "plate": ("沪A12345", "车牌沪A12345"),
    "other long number": ("110105194912310021", "编号110105194912310021"),
}
QUESTION = "，职业技能提升补贴怎么申请？"


def as_ascii(text: str) -> str:
    """The checker's own reading (not the product's): NFKC folds full-width forms, and Chinese
    digits read as digits, so a leak in any of those forms is found."""
    return unicodedata.normalize("NFKC", text).translate(
        str.maketrans("〇零一二三四五六七八九", "00123456789")
    )


def _forms(value: str) -> set[str]:
    """The value as written, and as its digits or ASCII form (a leak in any form is a leak)."""
    ascii_form = as_ascii(value)
    return {value, ascii_form, "".join(ch for ch in ascii_form if ch.isalnum())} - {""}


def _leaks(text: str) -> list[str]:
    squashed = "".join(ch for ch in as_ascii(text) if ch.isalnum())
    found = []
    for kind, (value, _) in PERSONAL.items():
        forms = _forms(value)
        if any(f in text for f in forms) or any(len(f) >= 6 and f in squashed for f in forms if f.isalnum()):
            found.append(kind)
    return found


def test_no_personal_data_leaves_or_stays(served: Served, fake_llm: FakeOpenAIServer) -> None:
    fake_llm.reset()
    said = [sentence for _, sentence in PERSONAL.values()]
    answers: list[str] = []
    # 7 (started first, it runs beside the rest): the command line, writing to the same log
    cli = subprocess.Popen(
        [CLI, "ask", said[0] + said[3] + QUESTION, "--json"],
        env=served.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    with httpx.Client(base_url=served.url, timeout=60) as http:
        # 1–2: the JSON API, a first question and its follow-up (the condense prompt)
        for sentence in said:
            first = http.post("/api/ask", json={"question": sentence + QUESTION, "doc_id": NOTICE}).json()
            follow = http.post(
                "/api/ask",
                json={
                    "question": f"那需要什么条件？{sentence}",
                    "conversation_id": first["conversation_id"],
                    "doc_id": NOTICE,
                },
            ).json()
            answers += [json.dumps(first, ensure_ascii=False), json.dumps(follow, ensure_ascii=False)]
            # 3: feedback comments
            http.post(
                "/api/feedback",
                json={
                    "turn_id": first["turn_id"],
                    "conversation_id": first["conversation_id"],
                    "rating": -1,
                    "comment": f"请回电，{sentence}",
                },
            )
        # 4–5: the OpenAI-compatible API, as the last message and in earlier ones, plain and streaming
        for stream in (False, True):
            for sentence in said:
                messages = [
                    {"role": "user", "content": sentence + QUESTION},
                    {"role": "assistant", "content": f"您好，{sentence}，请问有什么可以帮您？"},
                    {"role": "user", "content": f"那需要什么条件？{sentence}"},
                ]
                r = http.post("/v1/chat/completions", json={"messages": messages, "stream": stream})
                assert r.status_code == 200, r.text
                answers.append(r.text)
    # 6: the citizens' page (what the browser calls), question and feedback comment
    page = Client(served.url + "/", verbose=False, download_files=False)
    for sentence in said[:10]:
        _, history, _, _ = page.predict(sentence + QUESTION, "", [], api_name="/ask")
        # the asker's own message stays on their own screen; the answer must not carry it
        answers += [json.dumps(m["content"], ensure_ascii=False) for m in history if m["role"] == "assistant"]
        page.predict(f"补充：{sentence}", api_name="/feedback_up")
    # 7: the command line's answer
    out, err = cli.communicate(timeout=180)
    assert cli.returncode == 0, err.decode("utf-8", "replace")[-1000:]
    answers.append(out.decode("utf-8"))

    # what left the machine: every request the chat model received (answers and rewrites)
    assert len(fake_llm.chat_requests) >= len(said) * 3
    condense = [r for r in fake_llm.chat_requests if "改写后的完整问题" in r.raw]
    assert condense, "no follow-up went through the model's rewrite"
    for request in fake_llm.requests:
        assert _leaks(request.raw) == [], (_leaks(request.raw), request.raw[:2000])
    assert any("〔手机号〕" in r.raw for r in fake_llm.chat_requests)

    # what was stored: the staff page, the admin export (JSON Lines and CSV), the CLI export
    page.close()
    staff = Client(served.url + "/staff/", auth=STAFF, verbose=False, download_files=False)
    recent = json.dumps(staff.predict(api_name="/recent"), ensure_ascii=False)
    staff.close()
    assert "〔" in recent and _leaks(recent) == []
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=served.url, timeout=60) as http:
        for fmt in ("jsonl", "csv"):
            export = http.get("/api/admin/log/export", params={"format": fmt}, headers=auth)
            assert export.status_code == 200 and int(export.headers["x-turns"]) >= len(said) * 2
            assert _leaks(export.text) == [], _leaks(export.text)
    exported = subprocess.run(
        [CLI, "log", "export", "--format", "csv"], env=served.env, capture_output=True, timeout=120
    )
    assert exported.returncode == 0 and _leaks(exported.stdout.decode("utf-8")) == []

    # what the server printed, and what the answers carry back
    assert _leaks(served.output()) == []
    for text in answers:
        assert _leaks(text) == [], (_leaks(text), text[:1000])
