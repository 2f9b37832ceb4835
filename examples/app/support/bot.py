"""Customer-support bot: answers tickets with GPT-4o through the support project."""

from __future__ import annotations

import os

from openai import OpenAI

# The support project is mapped to team/cost centre in tagaudit.yaml (scope_map).
client = OpenAI(project="proj_support", api_key=os.environ.get("OPENAI_API_KEY"))

SYSTEM = "You are Acme's support assistant. Be brief."


def answer(ticket: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": ticket}],
    )
    return response.choices[0].message.content or ""


def stream_answer(ticket: str):
    with client.chat.completions.stream(model="gpt-4o-mini", messages=[{"role": "user", "content": ticket}]) as s:
        for event in s:
            yield event
