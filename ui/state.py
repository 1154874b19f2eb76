"""What the routes and pages share: settings, the service, and how to rebuild the index."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.pipeline import Pipeline
from assistant.settings import Settings
from ui.service import AssistantService

Reindex = Callable[[], Pipeline]
"""Rebuilds the index and returns a pipeline over it (``policy-assistant serve`` passes one)."""


@dataclass
class AppState:
    settings: Settings
    service: AssistantService
    reindex: Reindex | None = None
    reindex_lock: threading.Lock = field(default_factory=threading.Lock)

    def swap(self, pipeline: Pipeline) -> None:
        """Serve from a new pipeline; conversations in progress keep their ids and history."""
        self.service = AssistantService(pipeline, log=self.service.log, store=self.service.store)
