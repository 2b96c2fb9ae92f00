"""The daihou command line as a user runs it: help, load summary, refusal, rejects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from extract_builder import copy_tables, write_extract

DAIHOU = [sys.executable, "-m", "daihou.cli"]


def daihou(*args: str, warehouse: Path | None = None) -> subprocess.CompletedProcess[str]:
    extra = ["--warehouse", str(warehouse)] if warehouse else []
    return subprocess.run([*DAIHOU, *args, *extra], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("command", ["generate", "load", "rejects", "serve", "demo"])
def test_every_command_has_help(command: str) -> None:
    done = subprocess.run([*DAIHOU, command, "--help"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout and command in done.stdout


def test_load_json_summary_and_rejects(tmp_path: Path) -> None:
    tables = copy_tables()
    tables["loans"][1]["contract_amount"] = "abc"
    ex = write_extract(tmp_path / "ex", tables)
    wh = tmp_path / "wh.duckdb"
    done = daihou("load", str(ex), "--json", warehouse=wh)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["status"] == "loaded_with_rejects"
    assert summary["load_id"] == 1
    loans = summary["entities"]["loans"]
    assert (loans["rows_read"], loans["rows_loaded"], loans["rows_rejected"]) == (4, 3, 1)
    # L2 is gone, so are its three snapshots and its two repayment rows
    assert summary["entities"]["loan_snapshots"]["rows_rejected"] == 3
    assert summary["rows_read"] == summary["rows_loaded"] + summary["rows_rejected"]

    listed = daihou("rejects", "--json", warehouse=wh)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    loan_rows = [r for r in rows if r["entity"] == "loans"]
    assert [(r["row_number"], r["column_name"]) for r in loan_rows] == [(2, "contract_amount")]
    assert "abc" in loan_rows[0]["reason"]
    assert {r["check_code"] for r in rows if r["entity"] != "loans"} == {"unknown_reference"}
    english = json.loads(daihou("rejects", "--lang", "en", "--json", warehouse=wh).stdout)
    assert any("is not an amount" in r["reason_en"] for r in english)
    table = daihou("rejects", warehouse=wh)
    assert table.returncode == 0 and "contract_amount" in table.stdout


def test_refused_load_exits_non_zero_and_names_the_file(tmp_path: Path) -> None:
    tables = copy_tables()
    for r in tables["customers"]:
        del r["customer_type"]
    done = daihou("load", str(write_extract(tmp_path / "ex", tables)), warehouse=tmp_path / "w")
    assert done.returncode == 2
    assert "customers.csv" in done.stderr and "customer_type" in done.stderr
    assert not (tmp_path / "w").exists()
