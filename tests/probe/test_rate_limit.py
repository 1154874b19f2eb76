"""The rate limit of the real ``policy-assistant serve`` (its own uvicorn settings, not a test
server's): a rotated X-Forwarded-For does not get a fresh bucket, and the page's questions count
in the same bucket as the API's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client

from tests.probe.conftest import Served, start_serve

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start_serve(
        Path(tmp_path_factory.mktemp("limited")),
        POLICY_RATE_LIMIT_PER_MINUTE="6",
        POLICY_RATE_LIMIT_BURST="3",
    )
    try:
        yield server
    finally:
        server.stop()


def test_rotating_x_forwarded_for_does_not_escape_the_limit(limited: Served) -> None:
    # from 127.0.0.1, which uvicorn's own default would have trusted as a proxy
    with httpx.Client(base_url=limited.url, timeout=30) as http:
        codes = [
            http.get("/api/documents", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
            for n in range(8)
        ]
    # a burst of 3 (the start-up health check took one of them), then 429 whatever the header says
    assert codes[0] == 200 and codes.count(200) <= 3 and codes[-4:] == [429] * 4, codes


def test_the_page_shares_the_clients_bucket(limited: Served) -> None:
    page = Client(limited.url + "/", verbose=False, download_files=False)
    replies = [
        str(page.predict("职业技能提升补贴怎么申请？", "", [], api_name="/ask")[1][-1]["content"])
        for _ in range(3)
    ]
    assert any("请求过于频繁" in r for r in replies), replies  # the bucket was spent by the test above
