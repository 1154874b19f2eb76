"""Small builders shared by the llm and privacy tests."""

from __future__ import annotations

from pathlib import Path

from assistant.answerer import AnswerRequest
from assistant.settings import Settings
from corpus.models import Document
from index.models import Hit


def hit_for(document: Document, label: str, score: float = 1.0) -> Hit:
    article = document.article(label)
    assert article is not None, label
    return Hit.of_article(document, article, score)


def request_for(document: Document, question: str, *labels: str, language: str = "zh") -> AnswerRequest:
    return AnswerRequest(
        question=question,
        hits=tuple(hit_for(document, label) for label in labels),
        documents={document.doc_id: document},
        language="en" if language == "en" else "zh",
    )


def llm_settings(data_dir: Path, base_url: str, log_url: str, **extra: object) -> Settings:
    """Settings as a deployment would set them: POLICY_LLM_BASE_URL, POLICY_LLM_API_KEY, …"""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "embeddings": "hash",
        "llm_base_url": base_url,
        "llm_api_key": "test",  # passed under its variable name, POLICY_LLM_API_KEY
        "llm_model": "fake-model",
        "llm_timeout": 1.0,
        "llm_retries": 0,
        "log_url": log_url,
    }
    values.update(extra)
    key = values.pop("llm_api_key")
    if key is not None:
        values["POLICY_LLM_API_KEY"] = key
    return Settings(**values)  # type: ignore[arg-type]
