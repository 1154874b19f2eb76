"""Request and response bodies of the JSON API (they document themselves at /docs)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

CONVERSATION_ID = r"^[A-Za-z0-9_.:-]{1,64}$"


class AskRequest(BaseModel):
    question: str = Field(..., description="问题，例如「职业技能提升补贴怎么申请？」")
    conversation_id: str | None = Field(
        None, pattern=CONVERSATION_ID, description="多轮对话编号；省略则开始新对话（返回中给出编号）"
    )
    doc_id: str | None = Field(None, description="只在此编号的政策文件中回答")


class CitationOut(BaseModel):
    doc_id: str
    doc_title: str
    article: str
    quote: str


class AskResponse(BaseModel):
    answer: str
    refused: bool
    mode: Literal["extractive", "llm"]
    citations: list[CitationOut]
    latency_ms: float
    conversation_id: str
    turn_id: int | None = Field(None, description="对话日志中的编号，用于 /api/feedback")
    notice: str = ""
    rewritten_question: str = ""
    reviewed_answers: list[dict[str, Any]] = Field(
        default_factory=list,
        description="与问题相近的人工审核答复（标注来源和审核日期），附在文件条款旁，不替代条款",
    )

    model_config = {"extra": "allow"}


class HitOut(BaseModel):
    doc_id: str
    doc_title: str
    article: str
    heading: str
    part: str
    score: float
    ranks: dict[str, int]
    text: str


class ReadingOut(BaseModel):
    """How the keyword search read the query: its words, and corpus words added for its
    everyday words (开公司 → 创业) and English words (subsidy → 补贴)."""

    words: list[str]
    everyday: dict[str, list[str]]
    english: dict[str, list[str]]
    summary: str


class SearchResponse(BaseModel):
    query: str
    k: int
    hits: list[HitOut]
    reading: ReadingOut | None = None


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    issuer: str
    issued: str | None
    validity: str
    valid_from: int | None
    valid_to: int | None
    articles: int
    parts: list[str]


class ArticleOut(BaseModel):
    doc_id: str
    doc_title: str
    article: str
    printed: str
    heading: str
    part: str
    citation: str
    text: str


MAX_ID = 2**63 - 1


class FeedbackRequest(BaseModel):
    """A rating is bound to the conversation that produced the turn: both ids come from one answer."""

    conversation_id: str = Field(
        ..., pattern=CONVERSATION_ID, description="产生这条回答的对话编号（/api/ask 返回的 conversation_id）"
    )
    turn_id: int = Field(..., ge=1, le=MAX_ID, description="/api/ask 返回的 turn_id")
    rating: Literal[1, -1] = Field(..., description="1 有帮助，-1 没帮助")
    comment: str = Field("", max_length=2000)


class OkResponse(BaseModel):
    ok: bool = True
    message: str = ""
