from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.llm.fake_server import FakeOpenAIServer

# Personal data a citizen might type; none of it may reach the log or the model endpoint.
PERSONAL = {
    "id_card": "11010519491231002X",
    "mobile": "13812345678",
    "mobile_spaced": "139 1234 5678",
    "landline": "021-62345678",
    "bank_card": "6222021234567890128",
    "email": "zhangsan@example.com",
    "name": "张三丰",
}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake
