"""The JSON API: ask, search, documents and articles, feedback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool

from assistant.question import QuestionError, scrub
from channel.reviewed import reviewed_json
from channel.store import ReviewedAnswer
from index.retriever import prepare_query
from ui.schemas import (
    ArticleOut,
    AskRequest,
    AskResponse,
    DocumentOut,
    FeedbackRequest,
    HitOut,
    OkResponse,
    ReadingOut,
    SearchResponse,
)
from ui.service import ArticleNotFound, AssistantService
from ui.state import AppState

log = logging.getLogger(__name__)


def check_question_length(question: str, max_chars: int) -> None:
    """Questions a little over the limit are cut by the pipeline; far over it are refused."""
    if len(question) > max_chars * 2:
        raise HTTPException(
            422, f"问题太长（{len(question)} 字），请精简到 {max_chars} 字以内，只保留要咨询的内容。"
        )


def matching_reviewed(state: AppState, answer: Any) -> list[ReviewedAnswer]:
    """Reviewed answers (人工审核答复) to show beside an answer's articles; none when the channel's
    database cannot be read (the answer itself never waits on it)."""
    if state.channel is None:
        return []
    try:
        return state.channel.reviewed.matching(answer)
    except Exception:
        log.warning("reviewed answers unavailable", exc_info=True)
        return []


def reviewed_beside(state: AppState, answer: Any) -> list[dict[str, Any]]:
    return [reviewed_json(r) for r in matching_reviewed(state, answer)]


def api_router(state: AppState) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["问答 API"])
    max_chars = state.settings.max_question_chars

    def service() -> AssistantService:
        return state.service

    @router.get("/health", summary="服务状态")
    def health() -> dict[str, Any]:
        s = service()
        return {"status": "ok", "mode": s.mode, "documents": [d.doc_id for d in s.documents]}

    @router.post("/ask", response_model=AskResponse, summary="提问（回答、引用、对话编号）")
    async def ask(body: AskRequest) -> dict[str, Any]:
        check_question_length(body.question, max_chars)
        s = service()
        try:
            turn = await run_in_threadpool(s.ask, body.question, body.conversation_id, body.doc_id)
        except QuestionError as exc:
            raise HTTPException(422, str(exc)) from exc
        except ArticleNotFound as exc:
            raise HTTPException(404, str(exc)) from exc
        reviewed = await run_in_threadpool(reviewed_beside, state, turn.answer)
        return {
            **turn.answer.to_json(),
            "conversation_id": turn.conversation_id,
            "turn_id": turn.turn_id,
            "reviewed_answers": reviewed,
        }

    @router.get("/search", response_model=SearchResponse, summary="检索条款（排序）")
    async def search(
        q: str = Query(..., description="检索词或问题"),
        k: int = Query(5, ge=1, le=50, description="返回条款数"),
        doc_id: str | None = Query(None, description="只在此文件中检索"),
    ) -> dict[str, Any]:
        check_question_length(q, max_chars)
        s = service()
        try:
            query = prepare_query(scrub(q), k)
            hits = await run_in_threadpool(s.search, query, k, doc_id)
            reading = await run_in_threadpool(s.read_query, query)
        except ArticleNotFound as exc:
            raise HTTPException(404, str(exc)) from exc
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        return {
            "query": query,
            "k": k,
            "reading": ReadingOut(
                words=list(dict.fromkeys(reading.words)),
                everyday={w: list(found) for w, found in reading.everyday},
                english={w: list(found) for w, found in reading.english},
                summary=reading.summary(),
            )
            if reading
            else None,
            "hits": [
                HitOut(
                    doc_id=h.doc_id,
                    doc_title=h.doc_title,
                    article=h.article,
                    heading=h.heading,
                    part=h.part,
                    score=round(h.score, 6),
                    ranks=h.ranks,
                    text=h.text,
                )
                for h in hits
            ],
        }

    @router.get("/documents", response_model=list[DocumentOut], summary="已加载的政策文件")
    def documents() -> list[DocumentOut]:
        return [
            DocumentOut(
                doc_id=d.doc_id,
                title=d.title,
                issuer=d.meta.issuer,
                issued=d.meta.issued.isoformat() if d.meta.issued else None,
                validity=d.meta.validity,
                valid_from=d.meta.valid_from,
                valid_to=d.meta.valid_to,
                articles=len(d.articles),
                parts=[p.title for p in d.parts],
            )
            for d in service().documents
        ]

    @router.get(
        "/documents/{doc_id}/articles/{label}",
        response_model=ArticleOut,
        summary="条款全文（标签可写作 （十三） 或 (十三)，需 URL 编码）",
    )
    def article(doc_id: str, label: str) -> ArticleOut:
        try:
            view = service().article(doc_id, label)
        except ArticleNotFound as exc:
            raise HTTPException(404, str(exc)) from exc
        a = view.article
        return ArticleOut(
            doc_id=view.document.doc_id,
            doc_title=view.document.title,
            article=a.label,
            printed=a.printed,
            heading=a.heading,
            part=a.part,
            citation=f"{view.document.meta.display_title}{a.citation_label}",
            text=view.text,
        )

    @router.post("/feedback", response_model=OkResponse, summary="对回答评价（👍 1 / 👎 -1）")
    async def feedback(body: FeedbackRequest) -> OkResponse:
        try:
            await run_in_threadpool(
                service().feedback, body.turn_id, body.rating, body.comment, body.conversation_id
            )
        except ValueError as exc:
            raise HTTPException(404, str(exc)) from exc
        except LookupError as exc:
            raise HTTPException(503, str(exc)) from exc
        except Exception as exc:  # the log database is down: say so, keep serving
            log.warning("feedback not stored: %s", type(exc).__name__)
            raise HTTPException(503, "反馈暂时无法保存，请稍后再试。") from exc
        return OkResponse(message="感谢您的反馈！")

    return router
