"""The Acme demo billing exports (examples/billing), generated deterministically.

    python -m examples.billing_demo.demo examples/billing      rewrite the committed files

October 2026 (UTC), USD. OpenAI: proj_support (mapped) and proj_legacy (not mapped), with batch and
cached-input lines. Anthropic: wrkspc_search (mapped) and the default workspace, with cache read/write
lines and priority-tier usage that the cost report leaves out. Bedrock (CUR 2.0), Azure OpenAI and
Vertex AI (FOCUS 1.2) live in cloud.py. Token counts vary by day; cost = tokens x list price.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from examples.billing_demo import cloud
from examples.billing_demo.common import M, days, tokens

# (project, api key, line-item model, usage model, {kind: (base M tokens/day, $/1M)}, batch days only)
OPENAI = (
    ("proj_support", "key_support_bot", "gpt-4o-2024-08-06",
     {"input": (28, "2.50"), "cached input": (12, "1.25"), "output": (3.2, "10.00")}, False),
    ("proj_support", "key_support_bot", "gpt-4o-mini-2024-07-18", {"input": (40, "0.15"), "output": (6, "0.60")}, False),
    ("proj_support", "key_support_batch", "gpt-4o-2024-08-06",
     {"batch input": (60, "1.25"), "batch output": (8, "5.00")}, True),
    ("proj_legacy", "key_legacy_etl", "gpt-4o-mini-2024-07-18", {"input": (120, "0.15"), "output": (15, "0.60")}, False),
    ("proj_legacy", "key_legacy_etl", "text-embedding-3-small", {"input": (400, "0.02")}, False),
)
BATCH_DAYS = (4, 11, 18, 25)


def openai_exports() -> tuple[dict[str, Any], dict[str, Any]]:
    cost_buckets, usage_buckets = [], []
    for d, day in days():
        results, usage = [], []
        for project, key, model, kinds, batch_only in OPENAI:
            if batch_only and d not in BATCH_DAYS:
                continue
            counts = {}
            for i, (kind, (base, price)) in enumerate(kinds.items()):
                n = tokens(base, d, i + len(model))
                counts[kind] = n
                results.append({"object": "organization.costs.result",
                                "amount": {"value": float(Decimal(n) * Decimal(price) / M), "currency": "usd"},
                                "line_item": f"{model}, {kind}", "project_id": project, "api_key_id": key})
            cached = counts.get("cached input", 0)
            usage.append({"object": "organization.usage.completions.result", "project_id": project,
                          "api_key_id": key, "model": model, "batch": batch_only,
                          "input_tokens": counts.get("input", 0) + counts.get("batch input", 0) + cached,
                          "input_cached_tokens": cached,
                          "output_tokens": counts.get("output", 0) + counts.get("batch output", 0),
                          "num_model_requests": 1000 + d})
        span = {"object": "bucket", "start_time": int(day.timestamp()), "end_time": int(day.timestamp()) + 86400}
        cost_buckets.append({**span, "results": results})
        usage_buckets.append({**span, "results": usage})
    page = {"object": "page", "has_more": False, "next_page": None}
    return {**page, "data": cost_buckets}, {**page, "data": usage_buckets}


# (workspace, model, tier, {token type: (base M tokens/day, $/1M)}, days or None for all)
ANTHROPIC = (
    ("wrkspc_search", "claude-sonnet-4-5", "standard",
     {"uncached_input_tokens": (18, "3.00"), "output_tokens": (2, "15.00"), "cache_read_input_tokens": (40, "0.30"),
      "cache_creation.ephemeral_5m_input_tokens": (3, "3.75")}, None),
    ("wrkspc_search", "claude-sonnet-4-5", "batch",
     {"uncached_input_tokens": (20, "1.50"), "output_tokens": (2, "7.50")}, BATCH_DAYS),
    (None, "claude-haiku-4-5", "standard", {"uncached_input_tokens": (12, "1.00"), "output_tokens": (1.5, "5.00")}, None),
)
PRIORITY_DAYS = (14, 15)
DESCRIPTIONS = {"uncached_input_tokens": "Input Tokens", "output_tokens": "Output Tokens",
                "cache_read_input_tokens": "Cache Read", "cache_creation.ephemeral_5m_input_tokens": "Cache Write (5m)"}


def _usage_result(workspace: Any, model: str, tier: str, counts: dict[str, int]) -> dict[str, Any]:
    return {"workspace_id": workspace, "api_key_id": None, "model": model, "service_tier": tier,
            "context_window": "0-200k", "uncached_input_tokens": counts.get("uncached_input_tokens", 0),
            "cache_read_input_tokens": counts.get("cache_read_input_tokens", 0),
            "cache_creation": {"ephemeral_5m_input_tokens": counts.get("cache_creation.ephemeral_5m_input_tokens", 0),
                               "ephemeral_1h_input_tokens": 0},
            "output_tokens": counts.get("output_tokens", 0), "server_tool_use": {"web_search_requests": 0}}


def anthropic_exports() -> tuple[dict[str, Any], dict[str, Any]]:
    cost_buckets, usage_buckets = [], []
    for d, day in days():
        results, usage = [], []
        for workspace, model, tier, kinds, only in ANTHROPIC:
            if only is not None and d not in only:
                continue
            counts = {}
            for i, (token_type, (base, price)) in enumerate(kinds.items()):
                n = tokens(base, d, i + len(model) + len(tier))
                counts[token_type] = n
                cents = (Decimal(n) * Decimal(price) / M * 100).quantize(Decimal("0.0001"))
                results.append({"currency": "USD", "amount": str(cents), "workspace_id": workspace,
                                "description": f"Claude Sonnet 4.5 Usage - {DESCRIPTIONS[token_type]}"
                                if "sonnet" in model else f"Claude Haiku 4.5 Usage - {DESCRIPTIONS[token_type]}",
                                "cost_type": "tokens", "context_window": "0-200k", "model": model,
                                "service_tier": tier, "token_type": token_type, "inference_geo": "global"})
            usage.append(_usage_result(workspace, model, tier, counts))
        if d in PRIORITY_DAYS:
            usage.append(_usage_result("wrkspc_search", "claude-sonnet-4-5", "priority",
                                       {"uncached_input_tokens": tokens(2, d), "output_tokens": tokens(0.2, d)}))
        span = {"starting_at": day.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "ending_at": (day + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
        cost_buckets.append({**span, "results": results})
        usage_buckets.append({**span, "results": usage})
    page = {"has_more": False, "next_page": None}
    return {**page, "data": cost_buckets}, {**page, "data": usage_buckets}


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    oa_costs, oa_usage = openai_exports()
    an_costs, an_usage = anthropic_exports()
    files = {"openai-costs.json": oa_costs, "openai-usage.json": oa_usage,
             "anthropic-cost-report.json": an_costs, "anthropic-usage-report.json": an_usage}
    written = []
    for name, doc in files.items():
        (folder / name).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        written.append(folder / name)
    written.extend(cloud.write_all(folder))
    return written


if __name__ == "__main__":  # pragma: no cover
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "examples/billing")):
        sys.stdout.write(f"wrote {path}\n")
