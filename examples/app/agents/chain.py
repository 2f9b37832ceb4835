"""An onboarding agent built with LangChain; the model carries Helicone properties."""

from __future__ import annotations

from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI

HELICONE = {
    "Helicone-Property-Team": "onboarding",
    "Helicone-Property-Cost-Center": "cc-130",
    "Helicone-Property-Use-Case": "welcome-agent",
    "Helicone-Property-Environment": "production",
}

llm = ChatOpenAI(model="gpt-4o-mini", base_url="https://oai.helicone.ai/v1", default_headers=HELICONE)
prompt = ChatPromptTemplate.from_messages([("system", "Welcome new users."), ("user", "{question}")])
chain = prompt | llm


def welcome(question: str) -> str:
    return chain.invoke({"question": question}).content


def quick(question: str) -> str:
    # config metadata only reaches LangSmith traces, never the bill.
    return llm.invoke(question, config={"metadata": {"team": "onboarding"}}).content
