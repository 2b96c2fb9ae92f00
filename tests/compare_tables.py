"""Compare two warehouses table by table (load bookkeeping aside)."""

from __future__ import annotations

from pathlib import Path

from warehouse.connection import Warehouse


def differing_tables(one: Path, other: Path) -> dict[str, int]:
    """Tables of ``one`` (except meta_*) whose rows differ from ``other``'s: name -> rows in
    one side's EXCEPT ALL the other, both ways summed. Empty when the warehouses are equal."""
    with Warehouse(one).connect_read_only() as con:
        con.execute(f"ATTACH '{Warehouse(other).current_file()}' AS other (READ_ONLY)")
        tables = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                "AND NOT table_name LIKE 'meta_%' ORDER BY 1"
            ).fetchall()
        ]
        compared = {
            "fct_obligation",
            "agg_obligation_backlog",
            "agg_watchlist_month",
            "agg_score_component",
        }
        assert compared <= set(tables)
        differ = {}
        for table in tables:
            rows = con.execute(
                f"SELECT (SELECT count(*) FROM (FROM {table} EXCEPT ALL FROM other.{table})) "
                f"+ (SELECT count(*) FROM (FROM other.{table} EXCEPT ALL FROM {table}))"
            ).fetchone()[0]
            if rows:
                differ[table] = rows
        return differ
