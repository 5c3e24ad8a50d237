"""Generative summaries against a loopback server that behaves like a chat-completions API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest.compose import DigestComposer
from digest.config import DigestConfig, SummariseConfig
from digest.errors import ConfigError
from digest.seats.follows import resolve_seat
from digest.seats.gazetteer import load_gazetteer
from digest.store.core import Store
from digest.stories.generative import ChatSummariser
from tests.conftest import LoopbackServer, Route, norwich_north_article

PATH = "/v1/chat/completions"
STORY = [
    (
        "Norwich North bus route to be cut back",
        "The 21 bus, which links Sprowston and Old Catton with the city centre, will stop "
        "running after 7pm from January, the operator has confirmed. Alice Macdonald, the "
        "Labour MP for Norwich North, has asked it to publish its passenger figures.",
    )
]
FALLBACK = ("The extractive sentence.",)


def answer(content: object) -> Route:
    body = {
        "id": "x",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
    }
    return Route(json.dumps(body).encode(), content_type="application/json", conditional=False)


@pytest.fixture
def writer(
    http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ChatSummariser]:
    monkeypatch.setenv("SEATWATCH_TEST_KEY", "sk-test-123")
    config = SummariseConfig(
        method="openai",
        base_url=http_server.url("/v1"),
        model="local-model",
        api_key_env="SEATWATCH_TEST_KEY",
        timeout_seconds=0.5,
    )
    summariser = ChatSummariser(config)
    yield summariser
    summariser.close()


def test_model_summary_is_used_and_the_request_is_as_documented(
    writer: ChatSummariser, http_server: LoopbackServer
) -> None:
    http_server.routes[PATH] = answer(
        "Evening buses on route 21 will end at 7pm from January. The MP wants the figures."
    )
    summary = writer.summarise(STORY, 2, FALLBACK)
    assert summary == (
        "Evening buses on route 21 will end at 7pm from January.",
        "The MP wants the figures.",
    )
    (path, headers), body = http_server.requests[-1], json.loads(http_server.bodies[-1])
    assert path == PATH and headers["authorization"] == "Bearer sk-test-123"
    assert body["model"] == "local-model" and body["temperature"] == 0
    system, user = body["messages"]
    assert system["role"] == "system" and "Use only facts stated in the text" in system["content"]
    assert "at most 2 sentences" in system["content"]
    assert user["role"] == "user" and "stop running after 7pm" in user["content"]


def test_longer_answers_are_cut_to_the_sentence_count(
    writer: ChatSummariser, http_server: LoopbackServer
) -> None:
    http_server.routes[PATH] = answer("One. Two is here. Three is too many.")
    assert writer.summarise(STORY, 2, FALLBACK) == ("One.", "Two is here.")


@pytest.mark.parametrize(
    ("route", "logged"),
    [
        (
            Route(b'{"error": "rate"}', status=429, headers={"Retry-After": "30"}),
            "HTTP 429, retry after 30s",
        ),
        (Route(b"oops", status=500), "HTTP 500"),
        (
            Route(b"<html>not json</html>", content_type="text/html", conditional=False),
            "unexpected answer",
        ),
        (answer(""), "empty answer"),
        (answer(None), "unexpected answer"),
        (Route(b"{}", content_type="application/json", conditional=False), "unexpected answer"),
        (Route(b"{}", delay=2.0), "ReadTimeout"),
    ],
    ids=["429", "500", "not-json", "empty", "null-content", "no-choices", "slow"],
)
def test_any_failure_falls_back_to_the_extractive_summary_and_says_why(
    writer: ChatSummariser,
    http_server: LoopbackServer,
    caplog: pytest.LogCaptureFixture,
    route: Route,
    logged: str,
) -> None:
    http_server.routes[PATH] = route
    with caplog.at_level("WARNING", logger="digest.stories.generative"):
        assert writer.summarise(STORY, 2, FALLBACK) == FALLBACK
    assert logged in caplog.text
    assert "using the extractive one" in caplog.text


def test_missing_api_key_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEATWATCH_NO_SUCH_KEY", raising=False)
    with pytest.raises(ConfigError) as caught:
        ChatSummariser(SummariseConfig(method="openai", api_key_env="SEATWATCH_NO_SUCH_KEY"))
    assert "SEATWATCH_NO_SUCH_KEY is not set" in str(caught.value)
    assert "summarise.api_key_env" in str(caught.value)
    ChatSummariser(SummariseConfig(method="openai", api_key_env="")).close()  # no key needed


def test_digest_section_shows_the_model_summary(
    writer: ChatSummariser, http_server: LoopbackServer, tmp_path: Path
) -> None:
    http_server.routes[PATH] = answer("Route 21 loses its evening buses in January.")
    now = datetime(2026, 11, 22, 7, tzinfo=UTC)
    store = Store.open(tmp_path / "s.sqlite3")
    article = norwich_north_article("g1", "Post", STORY[0][0], STORY[0][1])
    store.add_articles([article], first_seen=now - timedelta(hours=1))
    composer = DigestComposer(store, DigestConfig(), writer=writer)
    follow = resolve_seat(load_gazetteer(), "Norwich North")
    (story,) = composer.section(follow, now - timedelta(days=1), now.date()).stories
    assert story.summary == ("Route 21 loses its evening buses in January.",)
    store.close()
