"""Issue-7 leftovers in billing input: a charge period that ends before it starts is a rejected, counted row
(never dropped, its cost kept as a Decimal), and a FIFO, socket or device in a billing folder is skipped with
a note that the console and JSON show."""

from __future__ import annotations

import json
import os
import socket
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.billing import load_billing
from tests.billing.billing_helpers import focus_row, write_csv
from tests.helpers import run_cli

BACKWARDS = {"ChargePeriodStart": "2026-10-07T00:00:00Z", "ChargePeriodEnd": "2026-10-06T00:00:00Z"}


def test_a_charge_period_that_ends_before_it_starts_is_a_rejected_row(tmp_path: Path) -> None:
    rows = [focus_row(BilledCost="1"), focus_row(BilledCost="2.50", **BACKWARDS), focus_row(BilledCost="3")]
    path = write_csv(tmp_path / "bill.csv", rows)
    data = load_billing([path])
    assert (data.rows, data.valid_rows, data.rejected_rows) == (3, 2, 1)
    (bad,) = data.rejected
    assert (bad.row, bad.column) == (2, "ChargePeriodEnd")
    assert "ChargePeriodStart 2026-10-07 00:00:00 is after ChargePeriodEnd 2026-10-06 00:00:00" in bad.reason
    assert sum((m.amount for m in data.rejected_cost), Decimal(0)) == Decimal("2.50")
    assert sum((m.amount for m in data.currencies), Decimal(0)) == Decimal(4)
    result = run_cli(["billing", "check", str(path)])
    assert result.exit_code == 1 and "rows: 3 read, 2 valid, 1 rejected" in result.output
    assert "is after ChargePeriodEnd" in result.output


def test_a_zero_length_or_forward_period_is_accepted(tmp_path: Path) -> None:
    same = {"ChargePeriodStart": "2026-10-06T00:00:00Z", "ChargePeriodEnd": "2026-10-06T00:00:00Z"}
    data = load_billing([write_csv(tmp_path / "bill.csv", [focus_row(**same), focus_row()])])
    assert (data.valid_rows, data.rejected_rows) == (2, 0)


def _specials(folder: Path) -> list[str]:
    os.mkfifo(folder / "pipe.csv")
    names = ["pipe.csv"]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(folder / "sock.csv"))
        names.append("sock.csv")
    except OSError:  # a path too long for AF_UNIX: the FIFO alone still shows the note
        pass
    finally:
        sock.close()
    return names


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_special_files_in_a_billing_folder_are_skipped_with_a_counted_note(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    write_csv(folder / "bill.csv", [focus_row(BilledCost="1")])
    names = _specials(folder)
    data = load_billing([folder])
    assert data.valid_rows == 1
    (note,) = [n for n in data.notes if "non-regular" in n.reason]
    assert note.reason.startswith(f"skipped {len(names)} non-regular file(s)") and note.example == names[0]
    result = run_cli(["billing", "check", str(folder)])
    assert result.exit_code == 0 and f"skipped {len(names)} non-regular file(s)" in result.output
    shown = json.loads(run_cli(["billing", "check", str(folder), "--format", "json"]).stdout)
    assert any(f"skipped {len(names)} non-regular file(s)" in n for n in shown["notes"])
