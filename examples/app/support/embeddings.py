"""Nightly re-embedding of the help-centre articles (written before projects were mapped)."""

from __future__ import annotations

from openai import OpenAI


def make_client() -> OpenAI:
    return OpenAI(project="proj_legacy")


def embed_articles(articles: list[str]) -> list[list[float]]:
    client = make_client()
    out = []
    for batch in range(0, len(articles), 64):
        resp = client.embeddings.create(model="text-embedding-3-small", input=articles[batch:batch + 64])
        out += [d.embedding for d in resp.data]
    return out


def submit_batch(file_id: str) -> str:
    client = make_client()
    job = client.batches.create(input_file_id=file_id, endpoint="/v1/embeddings", completion_window="24h",
                                metadata={"team": "support", "use_case": "reindex"})
    return job.id
