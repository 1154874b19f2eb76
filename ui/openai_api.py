"""An OpenAI-compatible ``/v1/chat/completions`` and ``/v1/models`` over the same assistant.

The last user message is the question; earlier user/assistant pairs form the conversation.
The answer text keeps its citations (《…》第（十三）条「…」) and the structured citations are
added as an extra ``citations`` field on the response, on the choice and on the final chunk.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from assistant.conversation import Conversation, Turn
from assistant.models import Answer
from assistant.pipeline import StreamEvent
from assistant.privacy import mask
from assistant.question import QuestionError, scrub
from channel.reviewed import reviewed_json, reviewed_text
from channel.store import ReviewedAnswer
from ui.api import matching_reviewed
from ui.service import ArticleNotFound
from ui.state import AppState

log = logging.getLogger(__name__)

MODEL_ID = "policy-assistant"


class ChatMessage(BaseModel):
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") in (None, "text"))
        return self.content or ""


class ChatRequest(BaseModel):
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(..., min_length=1)
    stream: bool = False
    doc_id: str | None = Field(None, description="扩展字段：只在此文件中回答")
    model_config = {"extra": "allow"}  # temperature, max_tokens, … are accepted and ignored


def error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": None}}, status)


def conversation_from(messages: list[ChatMessage]) -> tuple[str, Conversation]:
    """(question, conversation of the earlier turns) from an OpenAI message list.

    Earlier messages are the client's text, not the assistant's verified output: they are
    cleaned (unencodable characters removed) and masked like a question before they become the
    conversation a follow-up is read in — and so before any of them reaches a chat model.
    """
    users = [i for i, m in enumerate(messages) if m.role == "user"]
    if not users:
        raise QuestionError("请求中没有用户消息（role 为 user）。")
    last = users[-1]
    conversation = Conversation()
    pending: str | None = None
    for m in messages[:last]:
        if m.role == "user":
            pending = _earlier(m.text())
        elif m.role == "assistant" and pending is not None:
            conversation.add(Turn(question=pending, standalone=pending, answer=_earlier(m.text())))
            pending = None
    return scrub(messages[last].text()), conversation


def _earlier(text: str) -> str:
    return mask(scrub(text)).text


def text_with_citations(answer: Answer, reviewed: Sequence[ReviewedAnswer] = ()) -> str:
    """The answer text; citations it does not already name are listed under it, and after them
    the reviewed answers (人工审核答复) that match the question — beside the articles, as on the
    page, never instead of them."""
    text = answer.text
    missing = [c for c in answer.citations if c.marker not in answer.text]
    if missing:
        text += "\n\n依据：\n" + "\n".join(f"- {c.marker}：「{c.quote}」" for c in missing)
    for found in reviewed:
        text += "\n\n" + reviewed_text(found)
    return text


def _citations(answer: Answer) -> list[dict[str, Any]]:
    return [c.to_json() for c in answer.citations]


def _policy(
    answer: Answer, turn_id: int | None, conversation_id: str, reviewed: Sequence[ReviewedAnswer] = ()
) -> dict[str, Any]:
    """The extra ``policy_assistant`` field; ``conversation_id`` and ``turn_id`` together rate the
    answer through ``/api/feedback``; ``reviewed_answers`` as in ``/api/ask``."""
    return {
        "refused": answer.refused,
        "mode": answer.mode,
        "notice": answer.notice,
        "latency_ms": round(answer.latency_ms, 2),
        "turn_id": turn_id,
        "conversation_id": conversation_id,
        "reviewed_answers": [reviewed_json(r) for r in reviewed],
    }


def openai_router(state: AppState) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["OpenAI 兼容接口"])
    max_chars = state.settings.max_question_chars

    @router.get("/models", summary="模型列表")
    def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "policy-assistant"}],
        }

    @router.post("/chat/completions", summary="对话补全（支持 stream）", response_model=None)
    async def chat(body: ChatRequest) -> JSONResponse | StreamingResponse:
        service = state.service
        try:
            question, conversation = conversation_from(body.messages)
            if len(question) > max_chars * 2:
                return error(413, f"问题太长（{len(question)} 字），请精简到 {max_chars} 字以内。")
            events = service.stream(question, conversation, body.doc_id)
            first = await run_in_threadpool(next, events)  # QuestionError is raised here, before any output
        except QuestionError as exc:
            return error(400, str(exc))
        except ArticleNotFound as exc:
            return error(404, str(exc))
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        if body.stream:
            return StreamingResponse(
                _sse(
                    first,
                    events,
                    completion_id,
                    created,
                    body.model,
                    conversation.conversation_id,
                    lambda answer: matching_reviewed(state, answer),
                ),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        done = first
        while done.kind != "done":
            done = await run_in_threadpool(next, events)
        assert done.answer is not None
        reviewed = await run_in_threadpool(matching_reviewed, state, done.answer)
        return JSONResponse(
            _completion(done, completion_id, created, body.model, conversation.conversation_id, reviewed)
        )

    return router


def _completion(
    done: StreamEvent,
    completion_id: str,
    created: int,
    model: str,
    conversation_id: str,
    reviewed: Sequence[ReviewedAnswer] = (),
) -> dict[str, Any]:
    assert done.answer is not None
    answer = done.answer
    content = text_with_citations(answer, reviewed)
    citations = _citations(answer)
    prompt_tokens = len(answer.question)
    completion_tokens = len(content)
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                "logprobs": None,
                "citations": citations,
            }
        ],
        # Character counts: the assistant does not tokenize for billing.
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "citations": citations,
        "policy_assistant": _policy(answer, done.turn_id, conversation_id, reviewed),
    }


def _chunk(
    completion_id: str,
    created: int,
    model: str,
    delta: dict[str, Any],
    finish: Literal["stop"] | None = None,
    **extra: Any,
) -> str:
    payload: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }
    if extra.get("citations") is not None:
        payload["choices"][0]["citations"] = extra["citations"]
    payload.update(extra)
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def _sse(
    first: StreamEvent,
    events: Iterator[StreamEvent],
    completion_id: str,
    created: int,
    model: str,
    conversation_id: str,
    beside: Callable[[Answer], Sequence[ReviewedAnswer]] = lambda _: (),
) -> Iterator[str]:
    yield _chunk(completion_id, created, model, {"role": "assistant", "content": ""})
    sent = ""
    event: StreamEvent | None = first
    while event is not None:
        if event.kind == "delta" and event.text:
            sent += event.text
            yield _chunk(completion_id, created, model, {"content": event.text})
        elif event.kind == "done" and event.answer is not None:
            reviewed = beside(event.answer)
            full = text_with_citations(event.answer, reviewed)
            if full.startswith(sent) and len(full) > len(sent):
                yield _chunk(completion_id, created, model, {"content": full[len(sent) :]})
            yield _chunk(
                completion_id,
                created,
                model,
                {},
                "stop",
                citations=_citations(event.answer),
                policy_assistant=_policy(event.answer, event.turn_id, conversation_id, reviewed),
            )
        event = next(events, None)
    yield "data: [DONE]\n\n"
