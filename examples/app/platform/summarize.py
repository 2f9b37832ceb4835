"""Document summaries on Bedrock. The summarizer profile is tagged in AWS; the legacy path is not."""

from __future__ import annotations

import json

import boto3

SUMMARIZER_PROFILE = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/summarizer"
bedrock = boto3.client("bedrock-runtime", region_name="us-east-1")


def summarize(text: str) -> str:
    resp = bedrock.converse(
        modelId=SUMMARIZER_PROFILE,
        messages=[{"role": "user", "content": [{"text": f"Summarize: {text}"}]}],
    )
    return resp["output"]["message"]["content"][0]["text"]


def legacy_summarize(text: str) -> str:
    body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 300,
                       "messages": [{"role": "user", "content": text}]})
    resp = bedrock.invoke_model(
        modelId="anthropic.claude-3-haiku-20240307-v1:0",
        body=body,
        requestMetadata=json.dumps({"team": "platform", "use_case": "summarize"}),
    )
    return json.loads(resp["body"].read())["content"][0]["text"]
