"""Read YAML from untrusted files within fixed bounds: bytes, nodes after alias expansion, aliases, depth.

Policies and invoices come from the repository being audited, so a file can be hostile. PyYAML keeps
an alias as a shared node, but everything downstream (validation, the line index, the policy digest,
error messages) walks the expanded tree: nine anchors of nine aliases each ("billion laughs") become
a billion nodes. The composer here counts every node as it would be expanded and refuses before the
tree is built. Duplicate keys, which YAML resolves silently to the last one, are refused too: in a
policy they would drop a rule without a word.

PyYAML itself is imported only when a file has to be parsed (scanners/_yamlparse.py): the packed catalog and
a policy the sealed cache already holds need none of it, which is a tenth of a pre-commit run.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanners.errors import TagauditError, clip
from scanners.yamllimits import DATA, INVOICES, POLICY, Limits

__all__ = ["DATA", "INVOICES", "POLICY", "Limits", "describe_error", "load_file", "load_packaged", "pack_tree", "parse",
           "read_text"]

if TYPE_CHECKING:
    import yaml
    from yaml.nodes import Node




def read_text(path: Path, limits: Limits, what: str) -> str:
    """The file's text, refusing before reading when it is over `max_bytes` (and never reading more)."""
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise TagauditError(f"the {what} file is {size:,} bytes, over the {limits.max_bytes:,}-byte limit",
                                where=str(path), hint=f"a {what} file is a few kilobytes; check the path")
        with path.open("rb") as fh:
            raw = fh.read(limits.max_bytes + 1)
        if len(raw) > limits.max_bytes:
            raise TagauditError(f"the {what} file is over the {limits.max_bytes:,}-byte limit", where=str(path),
                                hint=f"a {what} file is a few kilobytes; check the path")
        return raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TagauditError(f"cannot read the {what} file ({clip(str(exc), 120)})", where=str(path),
                            hint="check the path and that it is UTF-8") from exc


def parse(text: str, limits: Limits = POLICY, *, as_text: bool = False) -> tuple[Any, Node | None]:
    """Data and root node of one YAML document; raises yaml.YAMLError (Refused past a limit)."""
    from scanners import _yamlparse

    return _yamlparse.parse(text, limits, as_text=as_text)


def describe_error(exc: yaml.YAMLError, path: Path | str, label: str = "") -> str:
    """`<file>:<line>: <label><what>; <how to fix>`, short whatever the input held."""
    from scanners import _yamlparse

    return _yamlparse.describe_error(exc, path, label)


def load_file(path: Path, limits: Limits = POLICY, *, what: str = "YAML", as_text: bool = False
              ) -> tuple[Any, Node | None]:
    """Read and parse `path` within `limits`; every problem is a TagauditError naming file and line."""
    import yaml

    text = read_text(path, limits, what)
    try:
        return parse(text, limits, as_text=as_text)
    except yaml.YAMLError as exc:
        raise TagauditError(describe_error(exc, path)) from exc


PACKAGE_DIR = Path(__file__).parent
# The packaged YAML of this package as JSON, written into the wheel at build time (hatch_build.py), never kept in
# the source tree: JSON parses in a twentieth of libyaml's time (the catalog: ~1.5 ms against ~33 ms of a one-file
# hook run). An entry is used only while its file's text hashes to the digest beside it, so an edited or
# patched file is read from its YAML; a missing or unreadable pack just means YAML everywhere.
PACKED_PATH = PACKAGE_DIR / "packed.json"


def load_packaged(path: Path, *, as_text: bool = False) -> Any:
    """A data file shipped inside tagaudit (catalog, gateways, AI patterns, prices): only the byte limit.

    These are read on every start and are tagaudit's own, reviewed and tested like code, so they skip the
    counting composer; user-supplied files never come here.
    """
    text = read_text(path, DATA, "packaged data")
    if not as_text:
        key = _packed_key(path)
        packed = _packed().pop(key, None) if key is not None else None  # handed out once: never shared
        if packed is not None and packed[0] == _text_digest(text):
            return packed[1]
    import yaml

    from scanners import _yamlparse

    try:
        return _yamlparse.load_trusted(text, as_text=as_text)
    except yaml.YAMLError as exc:
        raise TagauditError(describe_error(exc, path), hint="reinstall tagaudit") from exc


def pack_tree(package_dir: Path = PACKAGE_DIR) -> str:
    """The pack for `package_dir`'s YAML files (the wheel build calls this): key -> [digest, data]. A file whose
    data JSON cannot carry exactly (dates, non-string keys) is left out and read from YAML."""
    from scanners import _yamlparse

    out: dict[str, tuple[str, Any]] = {}
    for path in sorted(package_dir.rglob("*.yaml")):
        text = read_text(path, DATA, "packaged data")
        data = _yamlparse.load_trusted(text)
        try:
            exact = json.loads(json.dumps(data)) == data
        except (TypeError, ValueError):  # a date, a set: nothing JSON holds
            exact = False
        if exact:
            out[path.relative_to(package_dir).as_posix()] = (_text_digest(text), data)
    return json.dumps(out, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@lru_cache(maxsize=1)
def _packed() -> dict[str, tuple[str, Any]]:
    try:
        blob = json.loads(PACKED_PATH.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(blob, dict):
        return {}
    return {k: (v[0], v[1]) for k, v in blob.items() if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str)}


def _packed_key(path: Path) -> str | None:
    """Where `path` sits in this package (paths built from the package's own `__file__`, as every caller does)."""
    try:
        return path.relative_to(PACKAGE_DIR).as_posix()
    except ValueError:
        return None


def _text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
