"""Build a deterministic synthetic monorepo (plain Python plus a few percent of AI SDK calls) for the scan bench.

The tree goes to bench/.work/monorepo (gitignored) with a ground-truth manifest beside it:
bench/.work/monorepo.manifest.json lists, per file, every AI call site generated (line, style, provider,
operation, tagging) and every decoy that must not be reported.

    python bench/synth.py [--files 30000] [--ai-share 0.03] [--seed 7] [--no-git] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
DEFAULT_OUT = WORK / "monorepo"
MANIFEST_VERSION = 3

WORDS = (  # noqa: SIM905
    "account address agent alert archive asset audit balance batch billing bucket budget cache campaign card cart "
    "catalog channel charge check claim client cluster cohort comment config contact content contract coupon credit "
    "customer dashboard dataset deal delivery device digest discount dispatch document domain draft entry event "
    "export feature feed file filter flag form forecast gateway grant group health history hook identity image "
    "inbox index invoice item job journal key label ledger lead limit listing locale lock log loyalty match "
    "media member merchant message metric migration model monitor note notice offer order owner package page "
    "partner payment payout permission plan policy portfolio post price product profile project promo quota quote "
    "rate receipt record refund region report request reservation resource review role route rule schedule "
    "schema score search segment session setting shipment signal sku slot snapshot source stock store "
    "subscription summary supplier survey sync task team template tenant ticket token topic tracker transfer "
    "trigger upload usage user vendor version visit voucher wallet warehouse webhook widget window workflow zone"
).split()
VERBS = ("load fetch build parse render compute resolve sync update create delete apply merge validate normalize "  # noqa: SIM905
         "collect publish notify refresh archive export ingest score rank filter encode decode").split()
SERVICE_NAMES = ("billing checkout catalog search payments identity notifications inventory shipping pricing "  # noqa: SIM905
                 "recommendations support analytics reporting onboarding messaging fraud ledger media reviews "
                 "loyalty marketplace scheduling documents compliance growth insights partners orders accounts "
                 "warehouse logistics content ads experiments feeds gateway audit risk tax").split()
PKG_NAMES = ("api handlers models services utils tasks clients adapters domain repositories schemas views "  # noqa: SIM905
             "serializers workers jobs core events integrations").split()
LIB_NAMES = ("common observability http_utils db auth config featureflags cache queueing storage "  # noqa: SIM905
             "testing_utils textkit mlkit dateparse retry").split()

TEAMS = ("payments search growth support platform risk ml-core content").split()  # noqa: SIM905
USE_CASES = ("summarize classify extract translate chat-assist rank embed moderate-text").split()  # noqa: SIM905
ENVS = ("prod staging dev").split()  # noqa: SIM905

PLAIN_IMPORTS = (
    "import os", "import sys", "import json", "import logging", "import re", "import time", "import uuid",
    "import datetime as dt", "import itertools", "import functools", "import hashlib", "import typing as t",
    "from collections import defaultdict, OrderedDict", "from dataclasses import dataclass, field",
    "from pathlib import Path", "from decimal import Decimal", "from enum import Enum",
    "import requests", "from django.db import models", "from django.conf import settings",
    "from django.http import JsonResponse, HttpRequest", "from django.utils import timezone",
    "from celery import shared_task", "import sqlalchemy as sa", "from pydantic import BaseModel",
)

# ---------------------------------------------------------------------------------------------------------------
# Plain filler: templates formatted with random names. Each is a block of top-level code.

FILLER = [
    '''def {verb}_{a}(items, *, limit=100, strict=False):
    """{Verb} {a} records and return the ones that pass validation."""
    out = []
    for index, item in enumerate(items):
        if index >= limit:
            break
        if strict and not item.get("{b}_id"):
            raise ValueError(f"{a} #{{index}} has no {b}_id")
        # Normalise keys before comparing; upstream sends mixed case.
        key = str(item.get("key", "")).strip().lower()
        if key:
            out.append({{"key": key, "value": item.get("value"), "{b}": item.get("{b}")}})
    return out
''',
    '''class {A}{B}Error(Exception):
    """Raised when a {a} cannot be matched to a {b}."""

    def __init__(self, {a}_id, reason=""):
        super().__init__(f"{a} {{{a}_id}}: {{reason}}")
        self.{a}_id = {a}_id
        self.reason = reason
''',
    '''@dataclass
class {A}{B}:
    """A {a} as seen by the {b} service."""

    id: str
    name: str = ""
    {b}_count: int = 0
    tags: list = field(default_factory=list)
    active: bool = True

    def label(self):
        return f"{{self.name}} ({{self.{b}_count}})"

    def is_stale(self, now, max_age=3600):
        return not self.active or now - self.{b}_count > max_age
''',
    '''def {verb}_{a}_{b}(session, {a}_id, retries=3):
    url = f"{{BASE_URL}}/{a}s/{{{a}_id}}/{b}"
    last = None
    for attempt in range(retries):
        try:
            response = session.get(url, timeout=10)
            response.raise_for_status()
            return response.json()
        except Exception as exc:  # network errors are retried with backoff
            last = exc
            time.sleep(0.1 * 2 ** attempt)
    raise RuntimeError(f"giving up on {{url}}") from last
''',
    '''class {A}Repository:
    """Data access for {a} rows. Keep queries here, not in views."""

    def __init__(self, db, table="{a}s"):
        self.db = db
        self.table = table
        self._cache = {{}}

    def get(self, {a}_id):
        if {a}_id in self._cache:
            return self._cache[{a}_id]
        row = self.db.fetch_one(f"SELECT * FROM {{self.table}} WHERE id = %s", ({a}_id,))
        self._cache[{a}_id] = row
        return row

    def list_by_{b}(self, {b}_id, limit=50):
        return self.db.fetch_all(
            f"SELECT * FROM {{self.table}} WHERE {b}_id = %s ORDER BY created_at DESC LIMIT %s",
            ({b}_id, limit),
        )

    def delete(self, {a}_id):
        self._cache.pop({a}_id, None)
        return self.db.execute(f"DELETE FROM {{self.table}} WHERE id = %s", ({a}_id,))
''',
    '''def {verb}_{a}_totals(rows):
    totals = defaultdict(Decimal)
    counts = defaultdict(int)
    for row in rows:
        bucket = row.get("{b}") or "unknown"
        totals[bucket] += Decimal(str(row.get("amount", 0)))
        counts[bucket] += 1
    return {{k: {{"total": str(v), "count": counts[k]}} for k, v in sorted(totals.items())}}
''',
    '''{CONST}_DEFAULTS = {{
    "{a}_timeout": 30,
    "{b}_batch_size": 200,
    "max_{a}s": 1000,
    "enable_{b}": True,
    "region": "eu-west-1",
}}
''',
    '''def {verb}_{a}_view(request):
    """GET /{a}s/: list {a}s for the current {b}."""
    if request.method != "GET":
        return JsonResponse({{"error": "method not allowed"}}, status=405)
    page = int(request.GET.get("page", 1))
    size = min(int(request.GET.get("size", 20)), 100)
    qs = {A}.objects.filter({b}_id=request.user.id).order_by("-created_at")
    items = list(qs[(page - 1) * size: page * size])
    logger.info("listed %d {a}s for %s", len(items), request.user.id)
    return JsonResponse({{"items": [i.as_dict() for i in items], "page": page}})
''',
    '''class {A}(models.Model):
    name = models.CharField(max_length=200)
    {b} = models.ForeignKey("{B}", on_delete=models.CASCADE, related_name="{a}s")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["{b}", "created_at"])]

    def __str__(self):
        return f"{A}({{self.pk}}, {{self.name}})"

    def as_dict(self):
        return {{"id": self.pk, "name": self.name, "amount": str(self.amount)}}
''',
    '''@shared_task(bind=True, max_retries=5)
def {verb}_{a}_task(self, {a}_id):
    """Background job: {verb} one {a} and emit an event."""
    try:
        obj = {A}Repository(get_db()).get({a}_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=30)
    if obj is None:
        logger.warning("{a} %s vanished before the task ran", {a}_id)
        return None
    payload = json.dumps({{"id": {a}_id, "kind": "{b}"}}, sort_keys=True)
    publish("{a}.{verb}", payload)
    return hashlib.sha256(payload.encode()).hexdigest()
''',
    '''def _{a}_key(value):
    # Stable cache key: order-insensitive over dict keys.
    if isinstance(value, dict):
        return tuple(sorted((k, _{a}_key(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_{a}_key(v) for v in value)
    return value
''',
    '''class {A}Status(Enum):
    PENDING = "pending"
    ACTIVE = "active"
    {B_UP} = "{b}"
    CLOSED = "closed"

    @classmethod
    def parse(cls, text):
        try:
            return cls(text.strip().lower())
        except ValueError:
            return cls.PENDING
''',
    '''def {verb}_{a}_window(events, start, end):
    """Events of kind {b} inside [start, end), deduplicated by id, oldest first."""
    seen = set()
    selected = []
    for ev in sorted(events, key=lambda e: e["ts"]):
        if not (start <= ev["ts"] < end) or ev.get("kind") != "{b}":
            continue
        if ev["id"] in seen:
            continue
        seen.add(ev["id"])
        selected.append(ev)
    return selected
''',
    '''class {A}Serializer(BaseModel):
    id: str
    {b}_id: str
    name: str
    score: float = 0.0
    labels: list = []

    def to_row(self):
        return (self.id, self.{b}_id, self.name, round(self.score, 4), ",".join(self.labels))
''',
    '''def {verb}_{a}_report(rows, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,{b},amount\\n")
        for row in rows:
            fh.write(f"{{row['id']}},{{row.get('{b}', '')}},{{row.get('amount', 0)}}\\n")
    return path
''',
    '''async def {verb}_{a}_async(client, ids, concurrency=8):
    import asyncio

    sem = asyncio.Semaphore(concurrency)

    async def one(i):
        async with sem:
            resp = await client.get(f"/{a}s/{{i}}")
            return resp.json()

    return await asyncio.gather(*(one(i) for i in ids))
''',
]
FILLER_LINES = [t.count("\n") for t in FILLER]

HEADER = '''"""{Svc} {pkg}: {a} and {b} helpers.

Owned by the {svc} team. See docs/{svc}/{pkg}.md for the design notes.
"""


'''
LOGGER = 'logger = logging.getLogger(__name__)\nBASE_URL = os.environ.get("{SVC}_BASE_URL", "http://localhost:8000")\n'


def cap(word: str) -> str:
    return "".join(p.capitalize() for p in word.split("_"))


def names(rng: random.Random) -> dict[str, str]:
    a, b = rng.sample(WORDS, 2)
    verb = rng.choice(VERBS)
    return {"a": a, "b": b, "A": cap(a), "B": cap(b), "verb": verb, "Verb": verb.capitalize(),
            "CONST": a.upper(), "B_UP": b.upper()}


def filler(rng: random.Random, target_lines: int) -> list[str]:
    out: list[str] = []
    n = 0
    while n < target_lines:
        i = rng.randrange(len(FILLER))
        block = FILLER[i].format(**names(rng))
        out.append(block)
        out.append("\n")
        n += FILLER_LINES[i] + 1
    return out


def size_target(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.15:
        return rng.randint(5, 50)
    if r < 0.91:
        return rng.randint(50, 400)
    if r < 0.99:
        return rng.randint(400, 900)
    return rng.randint(900, 2500)

# ---------------------------------------------------------------------------------------------------------------
# AI snippets. A line ending in  «S:style:provider:operation»  is a call site, «D:kind» a decoy; markers are
# stripped when the file is written. {tag_call}/{tag_client} expand per tagging mode.


def hdrs(rng: random.Random) -> str:
    return ('{{"Helicone-Property-Team": "{}", "Helicone-Property-Cost-Center": "cc-{}", '  # noqa: UP032
            '"Helicone-Property-Use-Case": "{}", "Helicone-Property-Environment": "{}"}}').format(
        rng.choice(TEAMS), rng.randint(100, 999), rng.choice(USE_CASES), rng.choice(ENVS))


def labels(rng: random.Random) -> str:
    return ('{{"team": "{}", "cost_center": "cc-{}", "use_case": "{}", "environment": "{}"}}').format(  # noqa: UP032
        rng.choice(TEAMS), rng.randint(100, 999), rng.choice(USE_CASES), rng.choice(ENVS))


@dataclass
class Snippet:
    imports: tuple[str, ...]
    text: str
    where: str = "call"  # which tagging lever the style uses: call | client


# Each style: imports, text. Placeholders: {fn} {cls} {n} {tag_call} {tag_client} {model}
STYLES: dict[str, Snippet] = {
    "openai_local": Snippet(("from openai import OpenAI",), '''
def {fn}(prompt: str, **opts) -> str:
    client = OpenAI(timeout=30.0)
    resp = client.chat.completions.create(  «S:openai_local:openai:chat.completions.create»
        model="{model}",
        messages=[{{"role": "user", "content": prompt}}],{tag_call}
    )
    return resp.choices[0].message.content or ""
'''),
    "openai_async_local": Snippet(("from openai import AsyncOpenAI",), '''
async def {fn}(prompt: str, **opts) -> str:
    client = AsyncOpenAI()
    resp = await client.responses.create(model="{model}", input=prompt{tag_call})  «S:openai_async_local:openai:responses.create»
    return resp.output_text
'''),
    "openai_module_global": Snippet(("import openai",), '''
_{n}_CLIENT = openai.OpenAI({tag_client})


def {fn}(texts: list[str]) -> list[list[float]]:
    """Embed a batch of texts; the client is shared module-wide."""
    result = _{n}_CLIENT.embeddings.create(model="text-embedding-3-small", input=texts)  «S:openai_module_global:openai:embeddings.create»
    return [d.embedding for d in result.data]
''', "client"),
    "openai_self_client": Snippet(("from openai import OpenAI",), '''
class {cls}:
    """Wraps the LLM for the {n} pipeline."""

    def __init__(self, model: str = "{model}") -> None:
        self.model = model
        self.client = OpenAI({tag_client})

    def ask(self, question: str) -> str:
        completion = self.client.chat.completions.create(  «S:openai_self_client:openai:chat.completions.create»
            model=self.model,
            messages=[{{"role": "system", "content": "Be brief."}}, {{"role": "user", "content": question}}],
        )
        return completion.choices[0].message.content
''', "client"),
    "openai_factory": Snippet(("from openai import OpenAI",), '''
def make_{n}_client() -> OpenAI:
    return OpenAI({tag_client})


def {fn}(prompt: str) -> str:
    client = make_{n}_client()
    reply = client.chat.completions.create(model="{model}", messages=[{{"role": "user", "content": prompt}}])  «S:openai_factory:openai:chat.completions.create»
    return reply.choices[0].message.content
''', "client"),
    "openai_inline": Snippet(("from openai import OpenAI",), '''
def {fn}(prompt: str, **opts):
    return OpenAI().chat.completions.create(  «S:openai_inline:openai:chat.completions.create»
        model="{model}", messages=[{{"role": "user", "content": prompt}}],{tag_call}
    )
'''),
    "openai_with_options": Snippet(("from openai import OpenAI",), '''
_{n}_client = OpenAI()


def {fn}(prompt: str, **opts):
    slow = _{n}_client.with_options(timeout=120.0, max_retries=5)
    return slow.chat.completions.create(model="{model}", messages=[{{"role": "user", "content": prompt}}]{tag_call})  «S:openai_with_options:openai:chat.completions.create»
'''),
    "openai_beta_parse": Snippet(("from openai import OpenAI", "from pydantic import BaseModel"), '''
class {cls}Answer(BaseModel):
    label: str
    confidence: float


def {fn}(text: str, **opts) -> {cls}Answer:
    client = OpenAI()
    parsed = client.beta.chat.completions.parse(  «S:openai_beta_parse:openai:beta.chat.completions.parse»
        model="{model}",
        messages=[{{"role": "user", "content": text}}],
        response_format={cls}Answer,{tag_call}
    )
    return parsed.choices[0].message.parsed
'''),
    "openai_partial": Snippet(("import functools", "from openai import OpenAI"), '''
def {fn}(batch: list[str], **opts):
    client = OpenAI()
    ask = functools.partial(client.chat.completions.create, model="{model}"{tag_call})  «S:openai_partial:openai:chat.completions.create»
    return [ask(messages=[{{"role": "user", "content": item}}]) for item in batch]
'''),
    "openai_module_api": Snippet(("import openai",), '''
def {fn}(prompt: str, **opts):
    return openai.chat.completions.create(model="{model}", messages=[{{"role": "user", "content": prompt}}]{tag_call})  «S:openai_module_api:openai:chat.completions.create»
'''),
    "anthropic_messages": Snippet(("import anthropic",), '''
def {fn}(prompt: str, **opts) -> str:
    client = anthropic.Anthropic()
    message = client.messages.create(  «S:anthropic_messages:anthropic:messages.create»
        model="claude-sonnet-4-5",
        max_tokens=1024,
        messages=[{{"role": "user", "content": prompt}}],{tag_call}
    )
    return message.content[0].text
'''),
    "anthropic_async": Snippet(("from anthropic import AsyncAnthropic",), '''
class {cls}:
    def __init__(self) -> None:
        self._llm = AsyncAnthropic({tag_client})

    async def summarize(self, text: str) -> str:
        msg = await self._llm.messages.create(model="claude-haiku-4-5", max_tokens=512, messages=[{{"role": "user", "content": text}}])  «S:anthropic_async:anthropic:messages.create»
        return msg.content[0].text
''', "client"),
    "bedrock_converse": Snippet(("import boto3",), '''
def {fn}(prompt: str, **opts) -> str:
    response = boto3.client("bedrock-runtime", region_name="us-east-1").converse(  «S:bedrock_converse:aws_bedrock:converse»
        modelId="{bedrock_model}",
        messages=[{{"role": "user", "content": [{{"text": prompt}}]}}],{tag_call}
    )
    return response["output"]["message"]["content"][0]["text"]
'''),
    "bedrock_session": Snippet(("import json", "import boto3"), '''
_{n}_session = boto3.Session(profile_name="ml")


def {fn}(payload: dict, **opts) -> dict:
    runtime = _{n}_session.client("bedrock-runtime")
    raw = runtime.invoke_model(modelId="{bedrock_model}", body=json.dumps(payload){tag_call})  «S:bedrock_session:aws_bedrock:invoke_model»
    return json.loads(raw["body"].read())
'''),
    "genai_generate": Snippet(("from google import genai", "from google.genai import types"), '''
_{n}_genai = genai.Client(vertexai=True, project="acme-ml", location="us-central1")


def {fn}(prompt: str, **opts) -> str:
    result = _{n}_genai.models.generate_content(  «S:genai_generate:google_vertex:models.generate_content»
        model="gemini-2.5-flash",
        contents=prompt,
        config=types.GenerateContentConfig(temperature=0.2{tag_call}),
    )
    return result.text
'''),
    "genai_aio": Snippet(("from google import genai",), '''
async def {fn}(prompt: str, **opts) -> str:
    client = genai.Client(vertexai=True, project="acme-ml", location="europe-west4")
    out = await client.aio.models.generate_content(model="gemini-2.5-pro", contents=prompt, config={{"temperature": 0{tag_call}}})  «S:genai_aio:google_vertex:models.generate_content»
    return out.text
'''),
    "litellm_completion": Snippet(("from litellm import completion",), '''
def {fn}(prompt: str, **opts) -> str:
    resp = completion(  «S:litellm_completion:litellm:completion»
        model="{model}",
        messages=[{{"role": "user", "content": prompt}}],{tag_call}
    )
    return resp.choices[0].message.content
'''),
    "litellm_async": Snippet(("import litellm",), '''
async def {fn}(prompt: str, **opts) -> str:
    resp = await litellm.acompletion(model="anthropic/claude-sonnet-4-5", messages=[{{"role": "user", "content": prompt}}]{tag_call})  «S:litellm_async:litellm:acompletion»
    return resp.choices[0].message.content
'''),
    "langchain_invoke": Snippet(("from langchain_openai import ChatOpenAI",), '''
def {fn}(question: str) -> str:
    llm = ChatOpenAI(model="{model}", temperature=0{tag_client})
    answer = llm.invoke(question)  «S:langchain_invoke:openai:invoke»
    return answer.content
''', "client"),
}

# Decoys: must not be reported as AI calls.
DECOYS: dict[str, Snippet] = {
    "twilio_messages": Snippet(("from twilio.rest import Client as TwilioClient",), '''
def notify_{n}(to: str, body: str) -> str:
    sms = TwilioClient(os.environ["TWILIO_SID"], os.environ["TWILIO_TOKEN"])
    message = sms.messages.create(body=body, from_="+15550100", to=to)  «D:twilio_messages»
    return message.sid
'''),
    "local_generate_content": Snippet((), '''
def generate_content(topic: str) -> str:
    """Local template helper, not Gemini."""
    return f"<h1>{{topic}}</h1>"


class {cls}Pages:
    def __init__(self, models):
        self.models = models

    def render(self, topic: str) -> str:
        body = self.models.generate_content(topic)  «D:local_models_generate_content»
        return generate_content(topic) + body  «D:local_generate_content»
'''),
    "local_completion": Snippet((), '''
def completion(text: str) -> str:
    """Autocomplete for the search box (prefix trie), unrelated to LLMs."""
    return text + "..."


def suggest_{n}(prefix: str) -> str:
    return completion(prefix)  «D:local_completion»
'''),
    "mentions": Snippet((), '''
# We evaluated openai and anthropic for this; see ADR-17. No client is created here.
PROVIDER_NAME_{n} = "openai"


def describe_{n}() -> str:
    """Docs example: client.chat.completions.create(model=...) is wrapped by the llm service."""
    return "call the llm service instead of openai directly: client.messages.create(...)"
'''),
}

OPENAI_MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1", "o4-mini")
BEDROCK_MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
BEDROCK_ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5"


def tagging_for(style: str, rng: random.Random) -> str:
    r = rng.random()
    if style == "genai_aio":  # a dict config has no dynamic form here
        return "tagged" if r < 0.5 else "untagged"
    return "tagged" if r < 0.45 else "untagged" if r < 0.85 else "dynamic"


def expand(style: str, snip: Snippet, tagging: str, rng: random.Random, n: str) -> tuple[str, str | None]:
    """Fill the style's placeholders; returns (text, expected tagaudit status under the default policy)."""
    call, client = "", ""
    expect: str | None = {"tagged": "tagged", "untagged": "untagged", "dynamic": "unverifiable"}[tagging]
    bedrock_model = BEDROCK_MODEL
    if tagging == "dynamic":
        call = " **opts" if style in ("genai_aio",) else "\n        **opts," if style in _MULTILINE else ", **opts"
        client = "default_headers=load_headers()" if style != "langchain_invoke" else ", default_headers=load_headers()"
    elif tagging == "tagged":
        if style.startswith("genai"):
            call = f', "labels": {labels(rng)}' if style == "genai_aio" else f", labels={labels(rng)}"
        elif style.startswith("bedrock"):
            if rng.random() < 0.5:
                bedrock_model, expect = BEDROCK_ARN, "tagged"
            elif style == "bedrock_session":
                call, expect = f", requestMetadata=json.dumps({labels(rng)})", "untagged"  # LOG < GW
            else:
                call, expect = f"\n        requestMetadata={labels(rng)},", "untagged"  # LOG < GW
        elif style.startswith("litellm"):
            m = f'{{"tags": ["team:{rng.choice(TEAMS)}", "cost_center:cc-{rng.randint(100, 999)}", ' \
                f'"use_case:{rng.choice(USE_CASES)}", "env:{rng.choice(ENVS)}"]}}'
            call = f"\n        metadata={m}," if style in _MULTILINE else f", metadata={m}"
            expect = None  # GW only behind a proxy: policy-dependent
        else:
            h = hdrs(rng)
            call = f"\n        extra_headers={h}," if style in _MULTILINE else f", extra_headers={h}"
            client = f"default_headers={h}" if style != "langchain_invoke" else f", default_headers={h}"
    if style == "genai_generate" and tagging == "dynamic":
        call = ", **opts"
    text = snip.text.format(fn=f"{rng.choice(VERBS)}_{n}", cls=cap(f"{rng.choice(WORDS)}_{n}"), n=n,
                            tag_call=call, tag_client=client, model=rng.choice(OPENAI_MODELS),
                            bedrock_model=bedrock_model)
    return text, expect


_MULTILINE = {"openai_local", "openai_inline", "openai_beta_parse", "anthropic_messages", "bedrock_converse",
              "litellm_completion"}

# Weights of the styles among AI call sites (OpenAI-heavy, as in real code bases).
STYLE_WEIGHTS = {
    "openai_local": 10, "openai_async_local": 5, "openai_module_global": 6, "openai_self_client": 8,
    "openai_factory": 5, "openai_inline": 3, "openai_with_options": 3, "openai_beta_parse": 3, "openai_partial": 2,
    "openai_module_api": 2, "anthropic_messages": 7, "anthropic_async": 4, "bedrock_converse": 5,
    "bedrock_session": 4, "genai_generate": 5, "genai_aio": 3, "litellm_completion": 4, "litellm_async": 2,
    "langchain_invoke": 5,
}


def strip_markers(text: str, first_line: int, sites: list[dict], decoys: list[dict], meta: dict) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        pos = line.find("  «")
        if pos < 0:
            continue
        marker = line[pos + 3:line.index("»", pos)]
        lines[i] = line[:pos]
        kind, _, rest = marker.partition(":")
        if kind == "S":
            style, provider, op = rest.split(":")
            sites.append({"line": first_line + i, "style": style, "provider": provider, "operation": op, **meta})
        else:
            decoys.append({"line": first_line + i, "kind": rest})
    return "\n".join(lines)

# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    rel: str
    kind: str  # plain | ai | decoy | init | test | pruned
    lines: int
    ai_styles: list[str] = field(default_factory=list)


def plan_tree(n_files: int, ai_share: float, rng: random.Random) -> list[Plan]:
    plans: list[Plan] = []
    n_tests = max(1, n_files // 25)
    n_libs = n_files // 5
    n_svc = n_files - n_tests - n_libs
    services = SERVICE_NAMES[:max(4, min(len(SERVICE_NAMES), n_svc // 400 + 1))]

    def add_pkg_files(base: str, count: int, pkgs: list[str]) -> None:
        per = max(1, count // len(pkgs))
        made = 0
        for p_i, pkg in enumerate(pkgs):
            want = per if p_i < len(pkgs) - 1 else count - made
            sub_n = max(1, want // 60)  # subpackages of ~60 modules
            plans.append(Plan(f"{base}/{pkg}/__init__.py", "init", 0))
            made += 1
            for j in range(want - 1):
                sub = f"/{pkg}_{j % sub_n}" if sub_n > 1 else ""
                if sub and j < sub_n:
                    plans.append(Plan(f"{base}/{pkg}{sub}/__init__.py", "init", 0))
                else:
                    w = rng.choice(WORDS)
                    plans.append(Plan(f"{base}/{pkg}{sub}/{w}_{j}.py", "plain", size_target(rng)))
                made += 1
                if made >= count:
                    return

    per_svc = n_svc // len(services)
    for s_i, svc in enumerate(services):
        count = per_svc if s_i < len(services) - 1 else n_svc - per_svc * (len(services) - 1)
        pkgs = rng.sample(PKG_NAMES, min(len(PKG_NAMES), max(3, count // 80)))
        add_pkg_files(f"services/{svc}/src/{svc}", count, pkgs)
    per_lib = n_libs // len(LIB_NAMES)
    for l_i, lib in enumerate(LIB_NAMES):
        count = per_lib if l_i < len(LIB_NAMES) - 1 else n_libs - per_lib * (len(LIB_NAMES) - 1)
        add_pkg_files(f"libs/{lib}", count, ["core", "util", "ext"])
    for i in range(n_tests):
        svc = services[i % len(services)]
        plans.append(Plan(f"services/{svc}/tests/test_{rng.choice(WORDS)}_{i}.py", "test", rng.randint(30, 300)))
    plans = plans[:n_files]
    # AI files: a share of plain service/lib modules; another 1% get decoys/mentions only.
    plain_idx = [i for i, p in enumerate(plans) if p.kind == "plain"]
    rng.shuffle(plain_idx)
    n_ai = round(n_files * ai_share)
    n_decoy = max(1, n_files // 100)
    styles, weights = zip(*STYLE_WEIGHTS.items())
    for i in plain_idx[:n_ai]:
        plans[i].kind = "ai"
        k = rng.choices((1, 2, 3), (0.6, 0.3, 0.1))[0]
        plans[i].ai_styles = list(rng.choices(styles, weights, k=k))
    for i in plain_idx[n_ai:n_ai + n_decoy]:
        plans[i].kind = "decoy"
    return plans


def render_file(plan: Plan, rng: random.Random, idx: int, manifest: dict) -> str:
    parts = plan.rel.split("/")
    svc, pkg = (parts[1], parts[-2]) if len(parts) > 2 else ("repo", "root")
    if plan.kind == "init":
        return '"""Package marker."""\n' if rng.random() < 0.7 else ""
    nm = names(rng)
    head = HEADER.format(Svc=svc.capitalize(), svc=svc, pkg=pkg, **nm)
    imports = sorted(set(rng.sample(PLAIN_IMPORTS, rng.randint(3, 8))) | {"import logging", "import os"})
    body_blocks: list[tuple[str, Snippet | None, str, str]] = []  # (kind, snippet, style, tagging)
    if plan.kind == "ai":
        for style in plan.ai_styles:
            body_blocks.append(("S", STYLES[style], style, tagging_for(style, rng)))
        if rng.random() < 0.25:
            d = rng.choice(list(DECOYS))
            body_blocks.append(("D", DECOYS[d], d, ""))
        imports = sorted(set(imports) | {imp for _, s, _, _ in body_blocks if s for imp in s.imports})
    elif plan.kind == "decoy":
        for d in rng.sample(list(DECOYS), rng.randint(1, 2)):
            body_blocks.append(("D", DECOYS[d], d, ""))
        imports = sorted(set(imports) | {imp for _, s, _, _ in body_blocks if s for imp in s.imports})
    elif plan.kind == "test":
        imports = sorted(set(imports) | {"import pytest", "from unittest import mock"})
    text = head + "\n".join(imports) + "\n\n" + LOGGER.format(SVC=svc.upper().replace("-", "_")) + "\n\n"
    fill = filler(rng, plan.lines)
    # AI snippets go between filler blocks, never in the middle of one.
    slots = sorted(rng.randint(0, len(fill)) for _ in body_blocks)
    chunks: list[str] = [text]
    line = text.count("\n") + 1
    sites: list[dict] = []
    decoys: list[dict] = []
    bi = 0
    for fi in range(len(fill) + 1):
        while bi < len(body_blocks) and slots[bi] == fi:
            kind, snip, style, tagging = body_blocks[bi]
            n = f"{idx}_{bi}"
            if kind == "S":
                raw, expect = expand(style, snip, tagging, rng, n)
                meta = {"tagging": tagging, "expect": expect}
            else:
                raw, meta = snip.text.format(n=n, cls=cap(f"{rng.choice(WORDS)}_{n}")), {}
            block = strip_markers(raw.lstrip("\n") + "\n\n", line, sites, decoys, meta)
            chunks.append(block)
            line += block.count("\n")
            bi += 1
        if fi < len(fill):
            chunks.append(fill[fi])
            line += fill[fi].count("\n")
    if plan.kind == "test":
        chunks.append(TEST_TAIL.format(n=idx))
    if sites:
        manifest["sites"][plan.rel] = sites
    if decoys:
        manifest["decoys"][plan.rel] = decoys
    if plan.kind == "plain" and rng.random() < 0.01:
        chunks.append("\n# TODO(ml-platform): move this to the shared openai wrapper once it exists.\n")
    return "".join(chunks)


TEST_TAIL = '''

@pytest.fixture
def fake_llm_{n}():
    with mock.patch("openai.OpenAI") as cls:
        cls.return_value.chat.completions.create.return_value = mock.Mock(choices=[])
        yield cls


def test_{n}_uses_llm(fake_llm_{n}):
    assert fake_llm_{n}.called is False
'''

PRUNED = {
    # path template -> content; every one of them holds AI calls a scanner must not report
    ".venv/lib/python3.11/site-packages/openai/resources/chat/completions_{i}.py": '''
from openai import OpenAI


def _example_{i}():
    client = OpenAI()
    return client.chat.completions.create(model="gpt-4o", messages=[])
''',
    "node_modules/@acme/llm-tools/scripts/gen_{i}.py": '''
import anthropic

anthropic.Anthropic().messages.create(model="claude-haiku-4-5", max_tokens=10, messages=[])
''',
    "build/lib/services/llm/client_{i}.py": '''

OpenAI().responses.create(model="gpt-4o", input="hi")
''',
}


def write_tree(out: Path, n_files: int, ai_share: float, seed: int, use_git: bool) -> dict:
    t0 = time.perf_counter()
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    plans = plan_tree(n_files, ai_share, rng)
    manifest: dict = {"version": MANIFEST_VERSION, "params": {"files": n_files, "ai_share": ai_share, "seed": seed,
                                                               "git": use_git},
                      "sites": {}, "decoys": {}, "pruned": []}
    made_dirs: set[str] = set()
    total_bytes = total_lines = 0
    kinds: dict[str, int] = {}
    for idx, plan in enumerate(plans):
        text = render_file(plan, rng, idx, manifest)
        d = plan.rel.rpartition("/")[0]
        if d not in made_dirs:
            (out / d).mkdir(parents=True, exist_ok=True)
            made_dirs.add(d)
        data = text.encode()
        (out / plan.rel).write_bytes(data)
        total_bytes += len(data)
        total_lines += text.count("\n")
        kinds[plan.kind] = kinds.get(plan.kind, 0) + 1
    # Things a scanner must skip: a virtualenv, node_modules, and build/ (ignored by .gitignore).
    n_pruned = max(3, n_files // 100)
    for i in range(n_pruned):
        tmpl = list(PRUNED)[i % len(PRUNED)]
        rel = tmpl.format(i=i)
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(PRUNED[tmpl].format(i=i).lstrip("\n"))
        manifest["pruned"].append(rel)
    (out / ".venv/pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    (out / ".gitignore").write_text("build/\n*.pyc\n__pycache__/\n")
    (out / "README.md").write_text("# acme monorepo (synthetic, generated by bench/synth.py)\n")
    # Like real monorepos: each service has an owning team; shared libs/ have none, so tagaudit falls back
    # to git blame there.
    services = sorted({p.rel.split("/")[1] for p in plans if p.rel.startswith("services/")})
    (out / ".github").mkdir(exist_ok=True)
    (out / ".github" / "CODEOWNERS").write_text(
        "# generated by bench/synth.py\n" + "".join(f"/services/{svc}/ @acme/{svc}-team\n" for svc in services))
    manifest["files"] = {"python": len(plans), "bytes": total_bytes, "lines": total_lines, "by_kind": kinds,
                         "tests": kinds.get("test", 0), "pruned": n_pruned}
    manifest["ai_files"] = sorted(manifest["sites"])
    manifest["plain_files"] = [p.rel for p in plans if p.kind == "plain"][:200]
    t_write = time.perf_counter() - t0
    if use_git:
        git_commit(out)
    manifest["timings"] = {"write_s": round(t_write, 2), "total_s": round(time.perf_counter() - t0, 2)}
    return manifest


def git_commit(out: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": "2025-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2025-01-01T00:00:00Z",
           "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}
    cfg = ["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", "-c", "init.defaultBranch=main"]
    subprocess.run(["git", *cfg, "init", "-q", str(out)], check=True, env=env)
    subprocess.run(["git", *cfg, "-C", str(out), "add", "-A"], check=True, env=env)
    subprocess.run(["git", *cfg, "-C", str(out), "commit", "-q", "-m", "synthetic monorepo"], check=True, env=env)


def manifest_path(out: Path) -> Path:
    return out.parent / f"{out.name}.manifest.json"


def ensure_tree(out: Path, n_files: int, ai_share: float, seed: int, use_git: bool, keep: bool,
                log=print) -> dict:
    """Reuse the tree when --keep and its manifest matches the parameters; else (re)build it."""
    mpath = manifest_path(out)
    want = {"files": n_files, "ai_share": ai_share, "seed": seed, "git": use_git}
    if keep and mpath.exists() and out.exists():
        m = json.loads(mpath.read_text())
        if m.get("version") == MANIFEST_VERSION and m.get("params") == want:
            log(f"reusing {out} ({m['files']['python']} files)")
            return m
        log(f"--keep: {out} was built with {m.get('params')}, rebuilding for {want}")
    m = write_tree(out, n_files, ai_share, seed, use_git)
    mpath.write_text(json.dumps(m, indent=1))
    f = m["files"]
    log(f"built {out}: {f['python']} .py files, {f['lines']:,} lines, {f['bytes'] / 1e6:.1f} MB, "
        f"{sum(len(v) for v in m['sites'].values())} AI call sites in {len(m['sites'])} files, "
        f"{f['pruned']} files under pruned dirs; {m['timings']['total_s']} s")
    return m


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=30_000, help="number of scannable .py files (default 30000)")
    ap.add_argument("--ai-share", type=float, default=0.03, help="share of files calling AI SDKs (default 0.03)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-git", action="store_true", help="plain directory, no git repository")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--keep", action="store_true", help="reuse an existing tree built with the same parameters")
    args = ap.parse_args(argv)
    ensure_tree(args.out.resolve(), args.files, args.ai_share, args.seed, not args.no_git, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
