"""Local development against an OpenAI-compatible server: free, exempt by policy."""

from openai import OpenAI

dev = OpenAI(base_url="http://localhost:8000/v1", api_key="dev")


def try_prompt(p: str) -> str:
    return dev.chat.completions.create(model="qwen2.5", messages=[{"role": "user", "content": p}]).choices[0].message.content
