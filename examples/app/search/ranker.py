"""Search re-ranking with Claude; the search workspace's API key carries the allocation."""

from __future__ import annotations

import os

import anthropic


class Ranker:
    def __init__(self) -> None:
        self.client = anthropic.Anthropic(api_key=os.environ["SEARCH_ANTHROPIC_KEY"])

    def rank(self, query: str, docs: list[str]) -> str:
        msg = self.client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=512,
            messages=[{"role": "user", "content": f"Rank for {query!r}: {docs}"}],
        )
        return msg.content[0].text


def quick_label(text: str) -> str:
    # Someone tried to tag through metadata: Anthropic only accepts user_id there.
    client = anthropic.Anthropic()
    msg = client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=16,
        messages=[{"role": "user", "content": text}],
        metadata={"user_id": "svc-search", "team": "search"},
    )
    return msg.content[0].text
