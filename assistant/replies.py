"""Fixed replies: declining, nothing found, notices. Chinese first, English when asked in English."""

from __future__ import annotations

from collections.abc import Sequence

from corpus.models import Document


def _titles(documents: Sequence[Document]) -> str:
    return "、".join(d.meta.display_title for d in documents) or "（尚未加载政策文件）"


def _contacts(documents: Sequence[Document]) -> str:
    contacts = dict.fromkeys(
        d.meta.contact or d.meta.issuer for d in documents if d.meta.contact or d.meta.issuer
    )
    return "、".join(contacts)


def decline_text(documents: Sequence[Document], language: str, reason: str = "", place: str = "") -> str:
    """The polite refusal, with the consultation rule: which documents are covered, whom to ask.
    A question about another place's policy names that place (「您问的是绍兴的政策」)."""
    titles = _titles(documents)
    contacts = _contacts(documents)
    if reason == "language":  # neither Chinese nor English: say it in both
        return (
            f"抱歉，我只能用中文或英文回答，请用中文或英文提问。我解答以下政策文件的相关咨询：{titles}。\n"
            "Sorry, I can only answer in Chinese or English; please ask your question in Chinese or English. "
            f"I answer questions about these policy documents: {titles}."
        )
    if language == "en":
        if reason == "instructions":
            first = "Sorry, I can't share or change my instructions."
        elif place:
            first = f"Sorry, you are asking about {place}; its policies are not among the documents I cover."
        elif reason == "unreadable":
            first = "Sorry, I could not read a question in this message."
        else:
            first = "Sorry, this question is outside what I can answer."
        return f"{first} I only answer questions about these policy documents: {titles}. " + (
            f"For other matters, please contact the competent authority; for these documents: {contacts}."
            if contacts
            else ""
        )
    if reason == "instructions":
        first = "抱歉，我不能提供或更改我的内部设定。"
    elif place:
        first = f"抱歉，您问的是{place}的政策，不在我能解答的范围内；{place}的政策请咨询当地主管部门。"
    elif reason == "unreadable":
        first = "抱歉，没有看懂这条消息中的问题，请用文字描述您想咨询的政策问题。"
    else:
        first = "抱歉，这个问题不在我能解答的范围内。"
    tail = (
        f"如需咨询上述文件，留言时请注明文件名称，或联系{contacts}；其他事项请咨询相关主管部门。"
        if contacts
        else ""
    )
    return f"{first}我只解答以下政策文件的相关咨询：{titles}。{tail}"


def no_answer_text(documents: Sequence[Document], language: str) -> str:
    contacts = _contacts(documents)
    if language == "en":
        return f"I could not find a provision that answers this in {_titles(documents)}. Please contact {contacts}."
    return f"在{_titles(documents)}中没有找到能回答这个问题的条款。建议咨询{contacts}。"


def truncated_notice(max_chars: int, language: str) -> str:
    if language == "en":
        return (
            f"(Your question was longer than {max_chars} characters; only the first {max_chars} were read.)"
        )
    return f"（问题超过{max_chars}字，只读取了前{max_chars}字。）"
