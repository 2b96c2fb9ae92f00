"""The daihou command line as a user runs it: help, load summary, refusal, rejects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from extract_builder import copy_tables, write_extract

DAIHOU = [sys.executable, "-m", "daihou.cli"]


def daihou(*args: str, warehouse: Path | None = None) -> subprocess.CompletedProcess[str]:
    extra = ["--warehouse", str(warehouse)] if warehouse else []
    return subprocess.run([*DAIHOU, *args, *extra], capture_output=True, text=True, timeout=300)


COMMANDS = [
    "generate", "load", "rebuild", "backup", "restore", "rejects", "figures", "scores", "bonus",
    "users", "serve", "demo", "adapt-uci",
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
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


def test_rebuild_applies_a_changed_rule(tmp_path: Path) -> None:
    """A rule changed in the settings: figures follow at once (derived from the facts), and
    `daihou rebuild` materialises the same figures under the new rule."""
    ex = write_extract(tmp_path / "ex", copy_tables())
    wh = tmp_path / "wh.duckdb"
    assert daihou("load", str(ex), warehouse=wh).returncode == 0
    with duckdb.connect(str(wh), read_only=True) as con:
        as_of = con.execute("SELECT max(as_of_date) FROM fct_loan_snapshot").fetchone()[0]
    stricter = {**os.environ, "DAIHOU_INSPECTION__FIRST_DUE_DAYS": "1"}

    def figures(env: dict[str, str]) -> dict[str, object]:
        cmd = [*DAIHOU, "figures", "--as-of", as_of.isoformat(), "--warehouse", str(wh)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    derived = figures(stricter)
    done = subprocess.run(
        [*DAIHOU, "rebuild", "--warehouse", str(wh)],
        capture_output=True, text=True, timeout=300, env=stricter,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert figures(stricter) == derived
    with duckdb.connect(str(wh), read_only=True) as con:
        rules = json.loads(con.execute("SELECT rules FROM fct_obligation_rules").fetchone()[0])
        late_by = con.execute(
            "SELECT DISTINCT o.due_date - l.disbursement_date FROM fct_obligation o "
            "JOIN dim_loan l USING (loan_id) WHERE o.kind = 'first' AND l.payment_mode <> 'self'"
        ).fetchall()
    assert rules["first_due_days"] == 1
    assert late_by == [(1,)]
