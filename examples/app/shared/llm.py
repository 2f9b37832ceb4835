"""A thin LiteLLM wrapper used across services; callers pass their own metadata."""

from __future__ import annotations

import litellm


def complete(model: str, prompt: str, **options):
    return litellm.completion(model=model, messages=[{"role": "user", "content": prompt}], **options)


def classify(text: str) -> str:
    resp = litellm.completion(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"Classify: {text}"}],
    )  # tagaudit: ignore[TAG001] reason="eval harness, billed to the platform team until FIN-231 lands" owner=@acme/platform
    return resp.choices[0].message.content


def local_draft(prompt: str) -> str:
    resp = litellm.completion(model="ollama/llama3.1", messages=[{"role": "user", "content": prompt}],
                              api_base="http://localhost:11434")
    return resp.choices[0].message.content
