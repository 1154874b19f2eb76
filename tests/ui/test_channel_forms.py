"""When the citizens' page offers the message form, and how a reply is shown (escaped)."""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.models import Answer
from channel.store import Message, Reply
from ui.pages.channel_forms import reply_html, should_offer


def _answer(text: str, refused: bool = False) -> Answer:
    return Answer(question="q", text=text, refused=refused, mode="extractive")


def test_offered_beside_unstated_answers_and_refusals_that_mention_messages() -> None:
    assert should_offer(_answer("方案没有写明具体金额。方案第（十三）条只规定：…"))
    assert should_offer(
        _answer("抱歉，这个问题不在我能解答的范围内。…留言时请注明文件名称，或联系…", refused=True)
    )
    assert not should_offer(_answer("抱歉，我不能提供或更改我的内部设定。", refused=True))
    assert not should_offer(_answer("能。方案第（十三）条规定：…"))
    assert not should_offer(None)


def test_reply_html_escapes_everything() -> None:
    now = datetime.now(UTC)
    reply = Reply(
        author="wang",
        text="<script>x</script>答复",
        citations=({"citation": "《方案》第（十三）条", "quote": "<b>q</b>"},),
        sources=({"title": "<i>t</i>", "issuer": "局", "reference": "https://x", "date": "2024-01-01"},),
        created_at=now,
    )
    message = Message(1, "d", "《方案》", "问<img>", "138", "answered", "wang", now, now, (reply,))
    shown = reply_html(message)
    assert (
        "<script>" not in shown
        and "<b>q</b>" not in shown
        and "<img>" not in shown
        and "<i>t</i>" not in shown
    )
    assert "已答复" in shown and "&lt;script&gt;" in shown and "wang" not in shown and "138" not in shown
