"""Summaries written by a language model behind any OpenAI-compatible chat-completions API.

Optional (``[summarise] method = "openai"``): OpenAI itself, Azure's compatible endpoint,
a local Ollama or vLLM server. The prompt asks for the story's own facts only, and the
answer is checked before use: no answer, an empty one, an HTTP error, a rate limit, a
timeout or anything that is not the documented JSON gives the extractive summary instead,
and the reason is logged. A digest is never held up or emptied by the model.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import httpx

from digest.config import SummariseConfig
from digest.errors import ConfigError

log = logging.getLogger(__name__)

PROMPT = (
    "You summarise local news for a constituency digest. Summarise the story below in at "
    "most {sentences} sentences of plain English. Use only facts stated in the text: do not "
    "add names, numbers, dates, places, quotes or claims that are not in it, and do not "
    "speculate or comment. If several reports are given, they tell the same story: do not "
    "repeat a fact. Answer with the sentences only, no heading, list or preamble."
)
# Long articles are cut to this many characters: the point of a news story is at its top.
MAX_INPUT_CHARS = 12_000


class ChatSummariser:
    """One HTTP client reused for every story of a digest run."""

    def __init__(self, config: SummariseConfig, transport: httpx.BaseTransport | None = None):
        self.config = config
        key = ""
        if config.api_key_env:
            key = os.environ.get(config.api_key_env, "")
            if not key:
                raise ConfigError(
                    f"environment variable {config.api_key_env} is not set",
                    key="summarise.api_key_env",
                    hint='export the API key in that variable, or set api_key_env = "" for '
                    "an endpoint that needs none",
                )
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(
            base_url=config.base_url.rstrip("/") + "/",
            headers=headers,
            timeout=config.timeout_seconds,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def summarise(
        self, texts: Sequence[tuple[str, str]], sentences: int, fallback: tuple[str, ...]
    ) -> tuple[str, ...]:
        """The model's summary of a story's articles, or ``fallback`` if anything is wrong."""
        title = texts[0][0] if texts else ""
        body = "\n\n---\n\n".join(f"{t}\n\n{x}" for t, x in texts)[:MAX_INPUT_CHARS]
        payload = {
            "model": self.config.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": PROMPT.format(sentences=sentences)},
                {"role": "user", "content": body},
            ],
        }
        try:
            response = self._client.post("chat/completions", json=payload)
        except httpx.HTTPError as exc:
            return self._fallback(title, f"{type(exc).__name__}: {exc}", fallback)
        if response.status_code != 200:
            detail = response.headers.get("retry-after")
            reason = f"HTTP {response.status_code}" + (f", retry after {detail}s" if detail else "")
            return self._fallback(title, reason, fallback)
        try:
            content = _content(response.json())
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            return self._fallback(title, f"unexpected answer ({exc!r})", fallback)
        from digest.stories.summarise import split_sentences

        chosen = tuple(split_sentences(content.strip()))[:sentences]
        if not chosen:
            return self._fallback(title, "empty answer", fallback)
        return chosen

    def _fallback(self, title: str, reason: str, fallback: tuple[str, ...]) -> tuple[str, ...]:
        log.warning("generative summary of %r failed (%s); using the extractive one", title, reason)
        return fallback


def _content(answer: Any) -> str:
    """The first choice's message text of a chat-completions answer."""
    content = answer["choices"][0]["message"]["content"]
    if not isinstance(content, str):
        raise TypeError(f"content is {type(content).__name__}")
    return content
