"""What the routes and pages share: settings, the service, limits, and how to rebuild the index."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.pipeline import Pipeline
from assistant.settings import Settings
from ui.limits import Limiter, Network, TokenBucket, client_address, parse_networks
from ui.service import AssistantService

if TYPE_CHECKING:
    from channel.service import ChannelService
    from ui.shared_state import SharedDatabase
    from ui.staff_accounts import ChannelStaffAuth

Reindex = Callable[[], Pipeline]
"""Rebuilds the index and returns a pipeline over it (``policy-assistant serve`` passes one)."""


@dataclass
class AppState:
    settings: Settings
    service: AssistantService
    reindex: Reindex | None = None
    reindex_lock: threading.Lock = field(default_factory=threading.Lock)
    #: the consultation channel (留言咨询), when the app has one
    channel: ChannelService | None = None
    #: staff sign-in (``ui.staff_accounts.ChannelStaffAuth``), for the pages to know a role
    staff: ChannelStaffAuth | None = None
    #: the index generation this process answers from (set by ``ui.index_watch.IndexWatcher``)
    index_generation: Callable[[], str | None] | None = None
    #: the database the app processes share (conversations, rate limits); None: this process's memory
    shared: SharedDatabase | None = None
    #: one bucket per client for the API and the page alike (in the shared database when there is one)
    bucket: Limiter = field(init=False)
    trusted: tuple[Network, ...] = field(init=False)

    def __post_init__(self) -> None:
        rate, burst = self.settings.rate_limit_per_minute, self.settings.rate_limit_burst
        if self.shared is not None:
            from ui.shared_state import DatabaseBucket

            self.bucket = DatabaseBucket(self.shared, rate, burst)
        else:
            self.bucket = TokenBucket(rate, burst)
        self.trusted = parse_networks(self.settings.trusted_proxies)

    def swap(self, pipeline: Pipeline) -> None:
        """Serve from a new pipeline; conversations in progress keep their ids and history."""
        self.service = AssistantService(pipeline, log=self.service.log, store=self.service.store)

    def client(self, peer: str | None, headers: dict[str, str]) -> str:
        """Who a request comes from (forwarded headers believed only from trusted proxies)."""
        return client_address(peer, {k.lower(): v for k, v in headers.items()}, self.trusted)

    def throttle(self, peer: str | None, headers: dict[str, str]) -> str:
        """ "" when the client may go on, else the Chinese message to show (the API's 429 text)."""
        from ui.limits import too_many_message

        decision = self.bucket.take(self.client(peer, headers))
        return "" if decision.allowed else too_many_message(decision.retry_after)[1]
