"""What each load read, loaded and rejected, and why (DOMAIN.md: a load must say exactly what
it rejected and why). Reads the meta_ tables the loader writes; no figures are derived here.
"""

from __future__ import annotations

import duckdb
import pandas as pd

_RUNS = """
SELECT load_id, started_at, finished_at, status, source_dir, delivery_as_of, months,
       rows_read, rows_loaded, rows_rejected
FROM meta_load_run
ORDER BY started_at DESC, load_id DESC
"""

_FILES = """
SELECT entity, file_name, file_format, encoding, rows_read, rows_loaded, rows_rejected,
       extra_columns
FROM meta_load_file
WHERE load_id = $load_id
ORDER BY entity, file_name
"""

# Filters are optional: a null parameter means "any". $pattern is an ILIKE pattern whose
# wildcards in the user's text are escaped with a backslash.
_REJECT_FILTER = """
    ($load_id IS NULL OR load_id = $load_id)
    AND ($entity IS NULL OR entity = $entity)
    AND ($pattern IS NULL
         OR reason ILIKE $pattern ESCAPE '\\'
         OR reason_en ILIKE $pattern ESCAPE '\\'
         OR value ILIKE $pattern ESCAPE '\\')
"""

_REJECTED = f"""
SELECT load_id, entity, file_name, row_number, column_name, value, check_code, reason,
       reason_en
FROM meta_rejected_row
WHERE {_REJECT_FILTER}
ORDER BY load_id DESC, entity, file_name, row_number, column_name NULLS FIRST
LIMIT $limit
"""

_COUNTS = f"""
SELECT entity, column_name, check_code, reason, reason_en,
       count(*) AS problem_count,
       count(DISTINCT (file_name, row_number)) AS row_count
FROM meta_rejected_row
WHERE {_REJECT_FILTER}
GROUP BY entity, column_name, check_code, reason, reason_en
ORDER BY problem_count DESC, entity, column_name NULLS FIRST, check_code, reason
"""


def load_runs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every successful load, newest first, with its row counts."""
    return con.execute(_RUNS).df()


def load_files(con: duckdb.DuckDBPyConnection, load_id: int) -> pd.DataFrame:
    """The files one load read, with rows read, loaded and rejected per file."""
    return con.execute(_FILES, {"load_id": load_id}).df()


def rejected_rows(
    con: duckdb.DuckDBPyConnection,
    load_id: int | None = None,
    entity: str | None = None,
    text: str | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """Rejected (row, problem) pairs matching the filters, at most ``limit`` of them.

    ``text`` matches a substring of the reason (Chinese or English) or of the delivered value,
    case-insensitively; ``%`` and ``_`` in it are literal.
    """
    params = {**_filter_params(load_id, entity, text), "limit": limit}
    return con.execute(_REJECTED, params).df()


def rejected_counts(
    con: duckdb.DuckDBPyConnection,
    load_id: int | None = None,
    entity: str | None = None,
    text: str | None = None,
) -> pd.DataFrame:
    """Problems and distinct rows per (entity, column, check, reason), most frequent first."""
    return con.execute(_COUNTS, _filter_params(load_id, entity, text)).df()


def _filter_params(load_id: int | None, entity: str | None, text: str | None) -> dict[str, object]:
    pattern = None
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
    return {"load_id": load_id, "entity": entity, "pattern": pattern}
