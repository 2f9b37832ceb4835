"""The wheel's packed data (scanners/packed.json, written by hatch_build.py): same data as the YAML, used only
while each entry's digest matches the file shipped beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scanners import yamlload

SCANNERS = Path(yamlload.__file__).parent


@pytest.fixture
def pack_at(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    def use(package_dir: Path, blob: str) -> None:
        packed = tmp_path / "packed.json"
        packed.write_text(blob, encoding="utf-8")
        monkeypatch.setattr(yamlload, "PACKAGE_DIR", package_dir)
        monkeypatch.setattr(yamlload, "PACKED_PATH", packed)
        yamlload._packed.cache_clear()

    yield use
    yamlload._packed.cache_clear()


def test_every_packaged_yaml_file_reads_the_same_from_the_pack(pack_at) -> None:  # type: ignore[no-untyped-def]
    files = sorted(SCANNERS.rglob("*.yaml"))
    assert len(files) > 30  # the catalog's families, gateways, hosts
    pack_at(SCANNERS, yamlload.pack_tree(SCANNERS))
    assert set(yamlload._packed()) == {f.relative_to(SCANNERS).as_posix() for f in files}
    for path in files:
        expected = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert yamlload.load_packaged(path) == expected
        assert yamlload._packed().get(path.relative_to(SCANNERS).as_posix()) is None  # handed out once
        assert yamlload.load_packaged(path) == expected  # then from the YAML


def test_an_edited_file_is_read_from_its_yaml_not_the_stale_pack(pack_at, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    package = tmp_path / "pkg"
    package.mkdir()
    data = package / "data.yaml"
    data.write_text("family: old\n", encoding="utf-8")
    pack_at(package, yamlload.pack_tree(package))
    data.write_text("family: new\n", encoding="utf-8")
    assert yamlload.load_packaged(data) == {"family": "new"}


def test_a_forged_entry_needs_the_files_digest(pack_at, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    package = tmp_path / "pkg"
    package.mkdir()
    data = package / "data.yaml"
    data.write_text("family: real\n", encoding="utf-8")
    pack_at(package, json.dumps({"data.yaml": ["0" * 32, {"family": "forged"}]}))
    assert yamlload.load_packaged(data) == {"family": "real"}


@pytest.mark.parametrize("blob", ["", "{not json", "[1, 2]", '{"data.yaml": "x"}', '{"data.yaml": [1, 2]}'])
def test_an_unreadable_pack_means_yaml(pack_at, tmp_path: Path, blob: str) -> None:  # type: ignore[no-untyped-def]
    package = tmp_path / "pkg"
    package.mkdir()
    data = package / "data.yaml"
    data.write_text("family: real\n", encoding="utf-8")
    pack_at(package, blob)
    assert yamlload.load_packaged(data) == {"family": "real"}


def test_data_json_cannot_carry_exactly_stays_in_yaml(tmp_path: Path) -> None:
    (tmp_path / "dates.yaml").write_text("when: 2026-12-01\n1: one\n", encoding="utf-8")
    (tmp_path / "plain.yaml").write_text("a: [1, 2.5, true, null]\n", encoding="utf-8")
    assert set(json.loads(yamlload.pack_tree(tmp_path))) == {"plain.yaml"}
