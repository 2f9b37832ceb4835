"""Resolve each AI row's allocation tags in DuckDB: FOCUS Tags merged with FOCUS 1.3 AllocatedTags
(policy aliases), plus the policy scope map.

AllocatedTags (FOCUS 1.3, allocatedtags.md) carry the tags of a split row's AllocatedResourceId and
"MUST NOT include resource tags already present in Tags"; should a file repeat a key anyway, Tags wins.

Resolution runs once per distinct combination of the columns that can carry tags, never per row.
Per key, a FOCUS tag wins over the scope map (it is what the provider billed); among several tag keys
aliasing one policy key the exact key name wins; among scope entries the first in the policy wins.

Scope kinds and the billing columns they match (ids may use `*`/`?` globs, case-insensitive):
  openai_project       x_ProjectId, else SubAccountId                 (OpenAI rows)
  openai_organization  BillingAccountId                               (OpenAI rows)
  anthropic_workspace  x_WorkspaceId, else SubAccountId; "default" matches the default workspace
  api_key              x_ApiKeyId                                     (any provider)
  inference_profile    ResourceId (the application-inference-profile ARN)   (Bedrock rows)
  bedrock_project      ResourceId                                     (Bedrock rows)
  azure_endpoint       ResourceName or the last ResourceId segment = the endpoint's first host label
  azure_deployment     ResourceId ending in /deployments/<id>         (Azure OpenAI rows)
  gcp_project          SubAccountId                                   (Vertex AI rows)
  endpoint             never: a gateway URL has no billing column
Entries given by `env` count only when the policy's assume_env names the value.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from auditor.billing import tables
from auditor.billing.ingest.focus import quote_str as qs
from auditor.policy import Policy
from scanners import wildcard

if TYPE_CHECKING:
    import duckdb

DIM_COLUMNS = ("x_Provider", "Tags", "AllocatedTags", "SubAccountId", "ResourceId", "ResourceName", "x_ProjectId",
               "x_WorkspaceId", "x_ApiKeyId", "BillingAccountId")
NORMALIZE = "regexp_replace(lower(trim({})), '[\\s_-]+', '_', 'g')"

_LIKE = "LIKE s.pattern ESCAPE '\\'"
_MATCH = {
    "openai_project": f"d.x_Provider = 'openai' AND lower(coalesce(d.x_ProjectId, d.SubAccountId)) {_LIKE}",
    "openai_organization": f"d.x_Provider = 'openai' AND lower(d.BillingAccountId) {_LIKE}",
    "anthropic_workspace": f"d.x_Provider = 'anthropic' "
                           f"AND lower(coalesce(d.x_WorkspaceId, d.SubAccountId, 'default')) {_LIKE}",
    "api_key": f"lower(d.x_ApiKeyId) {_LIKE}",
    "inference_profile": f"d.x_Provider = 'aws_bedrock' AND lower(d.ResourceId) {_LIKE}",
    "bedrock_project": f"d.x_Provider = 'aws_bedrock' AND lower(d.ResourceId) {_LIKE}",
    "azure_endpoint": f"d.x_Provider = 'azure_openai' AND (lower(d.ResourceName) {_LIKE} "
                      f"OR lower(regexp_extract(d.ResourceId, '[^/]+$')) {_LIKE} OR lower(d.ResourceId) {_LIKE})",
    "azure_deployment": "d.x_Provider = 'azure_openai' "
                        "AND lower(d.ResourceId) LIKE ('%/deployments/' || s.pattern) ESCAPE '\\'",
    "gcp_project": f"d.x_Provider = 'google_vertex' AND lower(d.SubAccountId) {_LIKE}",
}


def scope_pattern(kind: str, ident: str) -> str:
    """The LIKE pattern for a scope id; Azure endpoints match on the account name (first host label).

    Ids are not paths (`*` crosses `/` in an ARN), so not pathspec: scanners/wildcard.py is the one
    translation, and the scan side (auditor/scan/evaluate.py) matches code ids with the same one.
    """
    if kind == "azure_endpoint" and re.search(r"\.(openai|cognitiveservices|services\.ai)\.azure\.com", ident):
        host = re.sub(r"^[a-z]+://", "", ident.strip().lower()).split("/")[0]
        return wildcard.to_like(host.split(".")[0])
    return wildcard.to_like(ident.strip().rstrip("/"))


def scope_rows(policy: Policy) -> list[tuple[int, str, str, str, str]]:
    """(entry index, kind, LIKE pattern, policy key, value) for every usable scope-map tag."""
    rows: list[tuple[int, str, str, str, str]] = []
    for idx, entry in enumerate(policy.scope_map):
        ident = entry.id if entry.id is not None else policy.assume_env.get(entry.env or "")
        if ident is None or entry.kind not in _MATCH:
            continue
        for key, value in entry.tags:
            rows.append((idx, entry.kind, scope_pattern(entry.kind, ident), key, value))
    return rows


def resolve(con: duckdb.DuckDBPyConnection, policy: Policy, dims: str) -> None:
    """Create `tables.ALLOC_RESOLVED(dim_id, key, value, from_tags)` from the distinct-dimension table `dims`."""
    alias, scope = tables.ALLOC_ALIAS, tables.ALLOC_SCOPE
    # The policy's aliases and scope entries are CTEs of literals (quoted), not temp tables filled by
    # executemany: four statements fewer, and a temp table costs more to create than these few rows.
    aliases = sorted(policy.aliases.items())
    alias_sql = (f"SELECT * FROM (VALUES {', '.join(f'({qs(n)}, {qs(k)})' for n, k in aliases)}) v(norm, key)"
                 if aliases else "SELECT NULL::VARCHAR AS norm, NULL::VARCHAR AS key WHERE false")
    rows = scope_rows(policy)
    scope_sql = (f"SELECT * FROM (VALUES {', '.join(f'({i}, {qs(k)}, {qs(p)}, {qs(t)}, {qs(v)})' for i, k, p, t, v in rows)})"
                 " v(idx, kind, pattern, key, value)" if rows else
                 "SELECT NULL::INTEGER AS idx, NULL::VARCHAR AS kind, NULL::VARCHAR AS pattern, NULL::VARCHAR AS key, "
                 "NULL::VARCHAR AS value WHERE false")
    match = " OR ".join(f"(s.kind = {qs(kind)} AND {cond})" for kind, cond in _MATCH.items())
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {tables.ALLOC_RESOLVED} AS
        WITH {alias} AS ({alias_sql}), {scope} AS ({scope_sql}),
        kv AS (SELECT t AS tags, unnest(map_entries(json_transform(TRY_CAST(t AS JSON), '"MAP(VARCHAR, JSON)"'))) AS e
                    FROM (SELECT Tags FROM {dims} WHERE Tags IS NOT NULL
                          UNION SELECT AllocatedTags FROM {dims} WHERE AllocatedTags IS NOT NULL) v(t)),
        by_value AS (
            SELECT kv.tags, a.key, kv.e.key AS raw_key,
                   CASE WHEN json_type(kv.e.value) IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE')
                        THEN NULLIF(trim(json_extract_string(kv.e.value, '$')), '') END AS value,
                   CASE WHEN {NORMALIZE.format('kv.e.key')} = a.key THEN 0 ELSE 1 END AS rank
            FROM kv JOIN {alias} a ON a.norm = {NORMALIZE.format('kv.e.key')}),
        -- Tags values repeat across thousands of dimension rows: each distinct value is parsed and
        -- matched to the policy keys once, then joined to its rows (origin 0 Tags, 2 AllocatedTags).
        tagged AS (
            SELECT d.dim_id, v.key, v.raw_key, v.value, v.rank FROM {dims} d JOIN by_value v ON v.tags = d.Tags
            UNION ALL
            SELECT d.dim_id, v.key, v.raw_key, v.value, 2 + v.rank FROM {dims} d
            JOIN by_value v ON v.tags = d.AllocatedTags),
        scoped AS (
            SELECT d.dim_id, s.key, '' AS raw_key, s.value, 1000 + s.idx AS rank
            FROM {dims} d JOIN {scope} s ON ({match}))
        SELECT dim_id, key, first(value ORDER BY rank, raw_key) AS value,
               first(rank ORDER BY rank, raw_key) < 1000 AS from_tags
        FROM (SELECT * FROM tagged UNION ALL SELECT * FROM scoped)
        WHERE value IS NOT NULL
        GROUP BY dim_id, key""")
