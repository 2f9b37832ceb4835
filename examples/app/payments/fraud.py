"""Fraud explanations on Azure OpenAI (the resource is tagged team=payments only)."""

from __future__ import annotations

import os

from openai import AzureOpenAI

client = AzureOpenAI(
    azure_endpoint="https://acme-payments.openai.azure.com",
    api_version="2024-10-21",
    api_key=os.environ["AZURE_OPENAI_KEY"],
)


def explain(txn: dict) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": f"Why might this be fraud? {txn}"}],
        extra_headers={"Helicone-Property-Cost-Center": "cc-150", "Helicone-Property-Use-Case": "fraud-explain",
                       "Helicone-Property-Environment": "production"},
    )
    return resp.choices[0].message.content or ""
