"""Write converted rows as FOCUS 1.3: the 1.3 columns derived from the 1.2 ones, and the 1.3 metadata.

Column rules, cited from FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, specification/datasets/cost_and_usage/
columns/ (all "Introduced (version): 1.3"):

- serviceprovidername.md: "ServiceProviderName MUST be present ... MUST NOT be null", introduced "as a
  replacement for ProviderName"; so it takes the converter's ProviderName (the entity that made the service
  available: AWS for Bedrock, not the model publisher).
- hostprovidername.md: "HostProviderName MUST be present ... MUST NOT be null"; it "MAY equal
  ServiceProviderName when the service provider does not provide visibility into the underlying hosting
  provider". No native export names a host other than the seller (OpenAI and Anthropic do not say whose
  data centres serve a request), so it equals ServiceProviderName on every row.
- providername.md / publishername.md: deprecated in 1.3 but still columns; kept, and marked
  `"Deprecated": true` in the schema metadata (metadata/schema/column_definition/deprecated.md).
- allocatedmethodid.md, allocatedresourceid.md, allocatedresourcename.md, allocatedtags.md,
  allocatedmethoddetails.md: present "when the provider supports provider-calculated split cost
  allocation" and null on every charge that is not a split; contractapplied.md: present "when the provider
  supports contract commitments". These are written only when some converted row fills them (a converter
  that emits no split or contract row leaves them out, as `convert` does for every unfilled conditional
  column). None of the seven native formats names a contract commitment or a provider split today.

Metadata (specification/metadata/): FocusVersion "MUST be provided in the metadata ... MUST match the
version of the FOCUS specification that the dataset-instance-artifact conforms to" (schema/focusversion.md);
the Schema object carries SchemaId, CreationDate, FocusVersion and a ColumnDefinition per column
(schema/schema.mdpp, column_definition/column_definition.mdpp); DatasetInstance names the FOCUS dataset
("CostAndUsage", appendix metadata_examples/dataset_instance_metadata_example.md); DataGenerator names who
wrote it (data_generator_example.md). It is written beside the data as `<name>.focus-metadata.json`
(the spec wants it "retrievable independently from the dataset it describes"), and FocusVersion is also
put in a Parquet file's key-value metadata.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

from auditor.billing.ingest import focus

VERSION = "1.3"
DATASET_ID = "CostAndUsage"
GENERATOR = "tagaudit"

# 1.3 column -> SQL over the converted (1.2-shaped) table; columns not listed come from the table as they
# are, or are NULL (and then left out) when the table lacks them.
DERIVED = {
    "ServiceProviderName": "ProviderName",
    "HostProviderName": "ProviderName",
}
# Conditional 1.3 columns: written only when some row fills them.
CONDITIONAL = ("AllocatedMethodDetails", "AllocatedMethodId", "AllocatedResourceId", "AllocatedResourceName",
               "AllocatedTags", "ContractApplied")


def columns(extra: list[str]) -> list[str]:
    """The 1.3 output columns in FOCUS order (alphabetical by column id), then the x_ columns."""
    return [*sorted((*focus.COLUMNS_1_2, *focus.COLUMNS_1_3)), *extra]


def select_list(table_columns: set[str], cols: list[str]) -> str:
    """SELECT items for `cols` over a converted table with `table_columns`."""
    items = []
    for c in cols:
        if c in DERIVED:
            expr = focus.quote_ident(DERIVED[c])
        elif c in table_columns:
            expr = focus.quote_ident(c)
        else:
            expr = "NULL::VARCHAR"
        items.append(f"{expr} AS {focus.quote_ident(c)}")
    return ", ".join(items)


def _definition(name: str) -> dict[str, object]:
    kind = focus.column_type(name)
    entry: dict[str, object] = {"ColumnName": name}
    if kind == "decimal":
        entry.update(DataType="DECIMAL", NumericPrecision=38, NumberScale=10)
    elif kind == "datetime":
        entry["DataType"] = "DATETIME"
    elif kind == "json":
        entry["DataType"] = "JSON"
    else:
        entry.update(DataType="STRING", StringEncoding="UTF-8")
    if name in focus.DEPRECATED_1_3:
        entry["Deprecated"] = True
    return entry


def metadata(output: Path, written: list[str], *, now: datetime | None = None) -> dict[str, object]:
    """The FOCUS 1.3 metadata object for a converted file with columns `written`. SchemaId is a hash of the
    column definitions, so the same structure keeps its id and a changed one gets a new id (schema.mdpp:
    "a new schema metadata object MUST be supplied" when the structure changes)."""
    definitions = [_definition(c) for c in written]
    digest = hashlib.sha256(json.dumps([VERSION, definitions], sort_keys=True).encode()).hexdigest()
    schema_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"tagaudit-focus-schema:{digest}"))
    instance_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"tagaudit:{output.name}"))
    created = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "DataGenerator": {"DataGenerator": GENERATOR},
        "DatasetInstance": [{"DatasetInstanceId": instance_id, "DatasetInstanceName": output.name,
                             "FocusDatasetId": DATASET_ID}],
        "Schema": {"SchemaId": schema_id, "FocusVersion": VERSION, "CreationDate": created,
                   "DatasetInstanceId": instance_id, "ColumnDefinition": definitions},
    }


def metadata_path(output: Path) -> Path:
    name = output.name
    for suffix in (".parquet", ".csv"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return output.with_name(f"{name}.focus-metadata.json")


def write_metadata(output: Path, written: list[str]) -> Path:
    path = metadata_path(output)
    path.write_text(json.dumps(metadata(output, written), indent=2) + "\n", encoding="utf-8")
    return path
