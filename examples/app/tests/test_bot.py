"""Tests are excluded by the policy: their calls are mocked or hit a sandbox."""

from openai import OpenAI


def test_answer_shape():
    client = OpenAI(base_url="http://127.0.0.1:9999")
    assert client.chat.completions.create
