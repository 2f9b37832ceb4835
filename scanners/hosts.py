"""The vendor behind an endpoint host (hosts.yaml): an OpenAI SDK pointed at DashScope is DashScope's spend."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from scanners import wildcard, yamlload
from scanners.errors import TagauditError

HOSTS_PATH = Path(__file__).parent / "hosts.yaml"
_HOST = re.compile(r"^[a-z0-9*?.:-]+$")
_PROVIDER = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELDS = frozenset({"host", "provider", "source"})


@dataclass(frozen=True, slots=True)
class HostRule:
    host: str  # exact, or a `*` wildcard
    provider: str
    source: str


def _problems(raw: Any) -> list[str]:
    if not isinstance(raw, dict) or not isinstance(raw.get("hosts"), list) or set(raw) != {"hosts"}:
        return ["the file must be one mapping with a `hosts` list"]
    out: list[str] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw["hosts"]):
        where = f"hosts[{i}]"
        if not isinstance(entry, dict) or set(entry) != _FIELDS:
            out.append(f"{where}: needs exactly {', '.join(sorted(_FIELDS))}")
            continue
        host, provider = entry["host"], entry["provider"]
        if not isinstance(host, str) or not _HOST.match(host):
            out.append(f"{where}.host: {host!r} is not a lower-case host name or wildcard")
        elif host in seen:
            out.append(f"{where}.host: {host!r} is listed twice")
        else:
            seen.add(host)
        if not isinstance(provider, str) or not _PROVIDER.match(provider):
            out.append(f"{where}.provider: {provider!r} is not a lower snake-case vendor id")
        if not isinstance(entry["source"], str) or not entry["source"].strip():
            out.append(f"{where}.source: say where the host was checked")
    return out


def compile_hosts(raw: Any, where: str = str(HOSTS_PATH)) -> tuple[HostRule, ...]:
    """Validated rules, exact hosts first (a wildcard never shadows a host listed by name)."""
    problems = _problems(raw)
    if problems:
        raise TagauditError(f"the endpoint host table is invalid: {'; '.join(problems[:5])}", where=where,
                            hint="fix hosts.yaml (or reinstall tagaudit)")
    rules = [HostRule(e["host"], e["provider"], e["source"]) for e in raw["hosts"]]
    return tuple(sorted(rules, key=lambda r: ("*" in r.host or "?" in r.host)))


@lru_cache(maxsize=1)
def load_hosts() -> tuple[HostRule, ...]:
    return compile_hosts(yamlload.load_packaged(HOSTS_PATH))


@lru_cache(maxsize=1024)
def vendor_for(host: str) -> str | None:
    """The vendor serving `host` (a host name, not a URL), or None when the table does not know it."""
    low = host.lower().rstrip(".")
    for rule in load_hosts():
        if low == rule.host or wildcard.matches(low, rule.host):
            return rule.provider
    return None
