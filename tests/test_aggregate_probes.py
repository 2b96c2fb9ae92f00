"""Asking whether aggregates exist must not break the caller's transaction (DuckDB 2.0 aborts a
transaction on any failed statement)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.aggregates import asset_quality, obligations, transitions


def test_probes_on_a_warehouse_without_aggregates_keep_the_transaction(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    con.execute("BEGIN")
    assert asset_quality.built_floors(con) is None
    assert transitions.built_rules(con) is None
    assert obligations.built_rules(con) is None
    assert con.execute("SELECT 42").fetchall() == [(42,)]  # still usable
    con.execute("COMMIT")
