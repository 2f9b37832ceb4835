"""Campaign copy on Vertex AI; labels flow to the Cloud Billing export."""

from __future__ import annotations

from google import genai
from google.genai import types

client = genai.Client(vertexai=True, project="acme-growth", location="us-central1")

LABELS = {"team": "growth", "cost_center": "cc-400", "use_case": "campaigns", "environment": "production"}


def write_copy(brief: str) -> str:
    resp = client.models.generate_content(
        model="gemini-2.5-flash",
        contents=brief,
        config=types.GenerateContentConfig(temperature=0.7, labels=LABELS),
    )
    return resp.text or ""


async def write_variants(brief: str, n: int) -> list[str]:
    out = []
    for _ in range(n):
        resp = await client.aio.models.generate_content(
            model="gemini-2.5-flash",
            contents=brief,
            config={"labels": {"Team": "Growth", "use_case": "ab-tests"}},
        )
        out.append(resp.text or "")
    return out
