"""AI-spend recognition from ai_patterns.yaml: provider, model and cost source per FOCUS row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from billing_helpers import focus_row, write_csv

from auditor.billing import load_billing
from auditor.billing.allocate import classify

AWS = {"ProviderName": "AWS", "PublisherName": "Amazon Web Services", "ServiceCategory": "AI and Machine Learning",
       "x_Model": ""}
AZURE = {"ProviderName": "Microsoft", "PublisherName": "Microsoft", "x_Model": ""}
GOOGLE = {"ProviderName": "Google Cloud", "PublisherName": "Google Cloud", "x_Model": ""}

CASES = [
    pytest.param({}, ("openai", "gpt-4o", "input"), id="openai rows by provider name"),
    pytest.param({"x_TokenType": "cached_input"}, ("openai", "gpt-4o", "cache-read"), id="openai cached input"),
    pytest.param({"x_TokenType": "output", "x_Batch": "true"}, ("openai", "gpt-4o", "output/batch"),
                 id="openai batch output"),
    pytest.param({"ProviderName": "Anthropic", "ServiceName": "Claude API", "x_Model": "claude-sonnet-4-5",
                  "x_TokenType": "uncached_input_tokens"}, ("anthropic", "claude-sonnet-4-5", "input"),
                 id="anthropic uncached input is input, not a cache read"),
    pytest.param({"ProviderName": "Anthropic", "ServiceName": "Claude API", "x_Model": "claude-sonnet-4-5",
                  "x_TokenType": "cache_creation.ephemeral_5m_input_tokens", "x_ServiceTier": "priority"},
                 ("anthropic", "claude-sonnet-4-5", "cache-write/priority"), id="anthropic priority cache write"),
    pytest.param({**AWS, "ServiceName": "Amazon Bedrock", "x_UsageType": "USE1-Claude3Haiku-cache-read-input-token-count",
                  "ResourceId": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"},
                 ("aws_bedrock", "anthropic.claude-3-haiku-20240307-v1:0", "cache-read"),
                 id="bedrock model from the foundation-model ARN"),
    pytest.param({**AWS, "ServiceName": "Amazon Bedrock", "x_UsageType": "USE1-Claude3.5Sonnet-cache-write-input-token-count",
                  "ResourceId": "arn:aws:bedrock:us-east-1:1:application-inference-profile/x"},
                 ("aws_bedrock", "Claude3.5Sonnet", "cache-write"), id="bedrock model from the usage type"),
    pytest.param({**AWS, "ServiceName": "Claude 3 Haiku (Amazon Bedrock Edition)", "ServiceCategory": "Other",
                  "x_UsageType": "USE1-MP:USE1_InputTokenCount-Units"},
                 ("aws_bedrock", "Claude 3 Haiku", "input"), id="bedrock marketplace edition"),
    pytest.param({**AWS, "ServiceName": "Amazon Bedrock", "ChargeCategory": "Credit"},
                 ("aws_bedrock", None, "credit"), id="bedrock credit"),
    pytest.param({**AZURE, "ServiceName": "Azure AI Services", "SkuMeter": "gpt 4o 0513 Input global Tokens"},
                 ("azure_openai", "gpt-4o-0513", "input"), id="azure openai meter on azure ai services"),
    pytest.param({**AZURE, "ServiceName": "Azure OpenAI", "SkuMeter": "gpt 4o 0513 cchd Input global Tokens"},
                 ("azure_openai", "gpt-4o-0513", "cache-read"), id="azure cached input meter"),
    pytest.param({**GOOGLE, "ServiceName": "Vertex AI", "SkuMeter": "Gemini 2.5 Flash Output Text"},
                 ("google_vertex", "gemini-2.5-flash", "output"), id="vertex gemini sku"),
    pytest.param({"ProviderName": "IBM", "ServiceName": "watsonx.ai", "ServiceSubcategory": "Generative AI",
                  "x_Model": "granite-3-8b"}, ("other", "granite-3-8b", "input"),
                 id="any provider's Generative AI subcategory"),
]

NOT_AI = [
    pytest.param({**AZURE, "ServiceName": "Azure Machine Learning", "ServiceCategory": "AI and Machine Learning",
                  "SkuMeter": "Compute Instance"}, id="azure machine learning compute"),
    pytest.param({**AZURE, "ServiceName": "Azure AI Services", "ServiceCategory": "AI and Machine Learning",
                  "SkuMeter": "S1 Speech to Text"}, id="azure speech on the same meter category"),
    pytest.param({**GOOGLE, "ServiceName": "Vertex AI", "SkuMeter": "Custom Training n1-standard-4"},
                 id="vertex custom training"),
    pytest.param({**AWS, "ServiceName": "Amazon SageMaker", "x_UsageType": "USE1-ml.m5.large"},
                 id="sagemaker in the AI category"),
    pytest.param({**AWS, "ServiceName": "Amazon Elastic Compute Cloud", "ServiceCategory": "Compute"}, id="ec2"),
]


def classified(tmp_path: Path, row: dict[str, Any]) -> list[tuple[Any, ...]]:
    data = load_billing([write_csv(tmp_path / "r.csv", [focus_row(**{"x_UsageType": "", "SkuMeter": "",
                                                                       "ResourceId": "", "ServiceSubcategory": "",
                                                                       "x_Batch": "", "x_ServiceTier": "", **row})])])
    classify.create_ai_table(data.con, data.rollup, "t", ("BilledCost",))
    return data.con.execute("SELECT x_Provider, x_ModelName, x_CostSource FROM t").fetchall()


@pytest.mark.parametrize("row, expected", CASES)
def test_generative_ai_rows_get_provider_model_and_cost_source(tmp_path: Path, row: dict[str, Any],
                                                               expected: tuple[Any, ...]) -> None:
    assert classified(tmp_path, row) == [expected]


@pytest.mark.parametrize("row", NOT_AI)
def test_other_rows_are_not_generative_ai_even_in_the_ai_category(tmp_path: Path, row: dict[str, Any]) -> None:
    assert classified(tmp_path, row) == []


def test_every_pattern_names_a_rollup_column() -> None:
    data = yaml.safe_load(classify.PATTERNS_PATH.read_text())
    assert classify.compile_patterns(data).provider.startswith("CASE")
    with pytest.raises(ValueError, match="unknown column 'Nope'"):
        classify.compile_patterns({**data, "providers": [{"id": "x", "name": "X", "when": {"column": "Nope",
                                                                                           "equals": "y"}}]})
