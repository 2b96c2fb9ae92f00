"""Load one extract folder into the warehouse: read → validate → conform → merge, atomically.

The whole load runs against a new warehouse generation (``warehouse.connection``): it is
published only when every step succeeded, so a refused file, an error or a killed process
leaves the warehouse as it was. Loading is idempotent: reference entities are upserted by key
(latest delivery wins), facts by key, and snapshots by month (a re-delivered month replaces
that month).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from daihou.settings import Settings
from etl.changes import Changes
from etl.contract import ENTITIES, FILE_SUFFIXES, LOAD_ORDER, Entity
from etl.read import ExtractError, StagedFile, find_entity_file, stage_file
from etl.targets import TARGETS
from etl.validate import Delivery, Validator, qi
from warehouse import aggregates
from warehouse.connection import Warehouse

# The order a delivery's rows are stored in, where pages look rows up by other columns than the
# one they arrive by, so that DuckDB's zone maps skip most of the table: the report issues of a
# period read its months' inspections, and a borrower's file reads one customer's (a row group
# or two per month within the months' runs).
CLUSTERED = {
    "inspections": "last_day(inspection_date), customer_id, inspection_date, inspection_id"
}

Progress = Callable[[str, str], None]  # (step, entity)


@dataclass
class EntityResult:
    entity: str
    file_name: str
    file_format: str
    encoding: str | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    extra_columns: list[str] = field(default_factory=list)


@dataclass
class LoadSummary:
    load_id: int
    status: str  # loaded · loaded_with_rejects
    source_dir: str
    warehouse: str
    delivery_as_of: dt.date | None
    months: list[dt.date]
    entities: list[EntityResult]
    ignored_files: list[str]
    elapsed_seconds: float
    rebuilt_from: str = "all"  # which month ends the monthly tables were redone for
    step_seconds: dict[str, float] = field(default_factory=dict)  # read, validate, merge, …

    @property
    def rows_read(self) -> int:
        return sum(e.rows_read for e in self.entities)

    @property
    def rows_loaded(self) -> int:
        return sum(e.rows_loaded for e in self.entities)

    @property
    def rows_rejected(self) -> int:
        return sum(e.rows_rejected for e in self.entities)

    def to_json(self) -> dict:
        out = asdict(self)
        out["delivery_as_of"] = self.delivery_as_of.isoformat() if self.delivery_as_of else None
        out["months"] = [m.isoformat() for m in self.months]
        out["entities"] = {e.entity: asdict(e) for e in self.entities}
        out.update(
            rows_read=self.rows_read, rows_loaded=self.rows_loaded, rows_rejected=self.rows_rejected
        )
        return out


def load_extract(
    extract_dir: Path,
    settings: Settings,
    *,
    encoding: str | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> LoadSummary:
    """Load ``extract_dir`` into the warehouse named by ``settings``; all or nothing."""
    started = time.perf_counter()
    started_at = dt.datetime.now()
    timings: dict[str, float] = {}
    clock = [started, "prepare"]

    def step(name: str, entity: str) -> None:
        now = time.perf_counter()
        timings[clock[1]] = timings.get(clock[1], 0.0) + now - clock[0]
        clock[0], clock[1] = now, name
        if progress:
            progress(name, entity)

    extract_dir = Path(extract_dir)
    if not extract_dir.is_dir():
        raise ExtractError(f"{extract_dir}: not a folder; an extract is a folder of entity files")
    paths = _entity_files(extract_dir)
    ignored = sorted(
        p.name
        for p in extract_dir.iterdir()
        if p.is_file() and p not in paths.values() and not p.name.startswith(".")
    )
    wh = Warehouse(settings.warehouse_path)
    with wh.writer(settings.load_memory_limit, settings.load_threads) as con:
        staged: dict[str, StagedFile] = {}
        for name, path in paths.items():
            step("read", name)
            staged[name] = stage_file(con, ENTITIES[name], path, encoding)
        delivery = Delivery(staged)
        validator = Validator(con, delivery, today or dt.date.today())

        months: list[dt.date] = []
        changes = Changes.before(con)
        if not changes.everything:
            # A delivery on top of a warehouse rewrites rows spread over its tables (obligations
            # rematched, monthly cells recounted): DuckDB's automatic checkpoints would write the
            # touched row groups again after each step. One checkpoint at the end writes them
            # once (medium's month: 38.6 -> 32.8 s); the uncheckpointed rows are spilled under
            # the memory limit like any other, and the generation is discarded on failure.
            con.execute("SET checkpoint_threshold = '1TB'")

        def merge(entity: Entity) -> None:
            step("merge", entity.name)
            if entity.name == "loan_snapshots":  # the months this delivery replaces
                sql = "SELECT DISTINCT as_of_date FROM ok_loan_snapshots ORDER BY 1"
                months.extend(r[0] for r in con.execute(sql).fetchall())
            changes.note(con, entity.name)
            _merge(con, entity.name)
            step("validate", "")

        step("validate", "")
        validator.run(merge)
        counts = validator.counts()
        load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM meta_load_run").fetchall()
        load_id = load_id[0][0]
        step("derive", "")
        _derive_org(con)
        if _derive_dates(con, settings):
            changes.everything = True
        step("aggregate", "")
        redone = aggregates.rebuild(con, settings, changes)
        results = [
            EntityResult(
                e.name,
                staged[e.name].path.name,
                staged[e.name].file_format,
                staged[e.name].encoding,
                staged[e.name].rows,
                counts[e.name][0],
                counts[e.name][1],
                staged[e.name].extra,
            )
            for e in delivery.entities()
        ]
        summary = LoadSummary(
            load_id=load_id,
            status="loaded_with_rejects" if any(r.rows_rejected for r in results) else "loaded",
            source_dir=str(extract_dir.absolute()),
            warehouse=str(wh.path),
            delivery_as_of=delivery.as_of,
            months=months,
            entities=results,
            ignored_files=ignored,
            elapsed_seconds=0.0,
            rebuilt_from=_rebuilt_from(*redone),
        )
        step("record", "")
        _record(con, summary, started_at)
        step("publish", "")
    step("done", "")
    summary.elapsed_seconds = round(time.perf_counter() - started, 3)
    summary.step_seconds = {k: round(v, 3) for k, v in timings.items()}
    return summary


def _rebuilt_from(*redone: dt.date | None) -> str:
    """What the load-time tables redid, for the summary: "all", "none" or from which months
    (the loan months, the watch list, the score periods)."""
    if all(d is None for d in redone):
        return "all"
    if all(d == dt.date.max for d in redone):
        return "none"

    def text(d: dt.date | None) -> str:
        return "all" if d is None else "none" if d == dt.date.max else f"from {d.isoformat()}"

    loan_months, watch_list, score_periods = map(text, redone)
    return f"loan months {loan_months}, watch list {watch_list}, score periods {score_periods}"


def _entity_files(extract_dir: Path) -> dict[str, Path]:
    """Entity name -> its file; every required entity must be there."""
    found = {}
    for name in LOAD_ORDER:
        path = find_entity_file(extract_dir, ENTITIES[name])
        if path is not None:
            found[name] = path
    missing = [n for n in LOAD_ORDER if ENTITIES[n].required and n not in found]
    if missing:
        kinds = "/".join(FILE_SUFFIXES)
        raise ExtractError(
            f"{extract_dir}: required entity file(s) missing: "
            + ", ".join(f"{m} [{ENTITIES[m].label_zh}] ({m}{kinds})" for m in missing)
        )
    return found


def _merge(con: duckdb.DuckDBPyConnection, entity_name: str) -> None:
    """Replace the warehouse rows that the delivery's accepted rows supersede, then insert."""
    table, keys = TARGETS[entity_name]
    cols = ", ".join(qi(c.name) for c in ENTITIES[entity_name].columns)
    key_match = " AND ".join(f"{table}.{k} = ok.{k}" for k in keys)
    if entity_name == "loan_snapshots":
        con.execute(
            "DELETE FROM fct_loan_snapshot WHERE as_of_date IN "
            "(SELECT DISTINCT as_of_date FROM ok_loan_snapshots)"
        )
    else:
        con.execute(f"DELETE FROM {table} USING ok_{entity_name} AS ok WHERE {key_match}")
    if entity_name == "org_units":
        con.execute(
            f"INSERT INTO dim_org (org_id, org_name, level, parent_org_id) "
            f"SELECT {cols} FROM ok_org_units"
        )
    else:
        order = f" ORDER BY {CLUSTERED[entity_name]}" if entity_name in CLUSTERED else ""
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM ok_{entity_name}{order}")
    if entity_name == "customers":
        # the rating in force is also a point of the rating history
        con.execute(
            "DELETE FROM dim_customer_rating USING ok_customers AS ok "
            "WHERE dim_customer_rating.customer_id = ok.customer_id "
            "AND dim_customer_rating.rating_date = ok.rating_date"
        )
        con.execute(
            "INSERT INTO dim_customer_rating SELECT customer_id, credit_rating, rating_date "
            "FROM ok_customers WHERE rating_date IS NOT NULL"
        )


def _derive_org(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the subtree bridge and each org's depth and path from the parent links."""
    con.execute("DELETE FROM bridge_org_subtree")
    con.execute(
        """
        INSERT INTO bridge_org_subtree
        WITH RECURSIVE anc(ancestor_org_id, org_id, distance) AS (
            SELECT org_id, org_id, 0 FROM dim_org
            UNION ALL
            SELECT o.parent_org_id, a.org_id, a.distance + 1
            FROM anc AS a JOIN dim_org AS o ON o.org_id = a.ancestor_org_id
            WHERE o.parent_org_id IS NOT NULL
        )
        SELECT ancestor_org_id, org_id, distance FROM anc
        """
    )
    con.execute(
        """
        UPDATE dim_org SET depth = p.depth, org_path = p.org_path
        FROM (
            SELECT org_id, max(distance) AS depth,
                   '/' || string_agg(ancestor_org_id, '/' ORDER BY distance DESC) || '/' AS org_path
            FROM bridge_org_subtree GROUP BY org_id
        ) AS p
        WHERE dim_org.org_id = p.org_id
        """
    )


def _derive_dates(con: duckdb.DuckDBPyConnection, settings: Settings) -> bool:
    """Rebuild the calendar over the data's date range with the configured working days;
    True when a day that was in the calendar changed working or not (the holidays setting)."""
    rules = settings.inspection
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _old_date AS SELECT date_key, is_working_day FROM dim_date"
    )
    con.execute("DELETE FROM dim_date")
    con.execute(
        """
        INSERT INTO dim_date
        WITH bounds AS (
            SELECT
                greatest(DATE '1990-01-01', least(
                    (SELECT min(disbursement_date) FROM dim_loan),
                    (SELECT min(as_of_date) FROM fct_loan_snapshot),
                    (SELECT min(hire_date) FROM dim_staff))) AS lo,
                least(DATE '2099-12-31', greatest(
                    (SELECT max(maturity_date) FROM dim_loan),
                    (SELECT max(as_of_date) FROM fct_loan_snapshot) + INTERVAL 400 DAY)) AS hi
        ),
        days AS (
            SELECT CAST(d AS DATE) AS d
            FROM bounds, range(bounds.lo, bounds.hi + INTERVAL 1 DAY, INTERVAL 1 DAY) AS r(d)
            WHERE bounds.lo IS NOT NULL
        )
        SELECT d, year(d), quarter(d), month(d), last_day(d), d = last_day(d),
               (isodow(d) <= 5 AND NOT list_contains($holidays, d))
               OR list_contains($makeup, d)
        FROM days
        """,
        {"holidays": list(rules.holidays), "makeup": list(rules.makeup_workdays)},
    )
    changed = con.execute(
        "SELECT EXISTS (SELECT 1 FROM _old_date AS o JOIN dim_date AS d USING (date_key) "
        "WHERE o.is_working_day <> d.is_working_day)"
    ).fetchone()[0]
    con.execute("DROP TABLE _old_date")
    return changed


def _record(con: duckdb.DuckDBPyConnection, summary: LoadSummary, started_at: dt.datetime) -> None:
    """Write the load run, its files, its rejected rows and the extra values kept aside."""
    con.execute(
        "INSERT INTO meta_load_run VALUES ($id, $started, now()::TIMESTAMP, $status, $src, "
        "$as_of, $months, $read, $loaded, $rejected)",
        {
            "id": summary.load_id,
            "started": started_at,
            "status": summary.status,
            "src": summary.source_dir,
            "as_of": summary.delivery_as_of,
            "months": ",".join(m.isoformat() for m in summary.months),
            "read": summary.rows_read,
            "loaded": summary.rows_loaded,
            "rejected": summary.rows_rejected,
        },
    )
    for r in summary.entities:
        con.execute(
            "INSERT INTO meta_load_file VALUES ($id, $entity, $file, $fmt, $enc, $read, $loaded, "
            "$rejected, $extra)",
            {
                "id": summary.load_id,
                "entity": r.entity,
                "file": r.file_name,
                "fmt": r.file_format,
                "enc": r.encoding,
                "read": r.rows_read,
                "loaded": r.rows_loaded,
                "rejected": r.rows_rejected,
                "extra": ",".join(r.extra_columns) or None,
            },
        )
    con.execute(
        "INSERT INTO meta_rejected_row SELECT $id, entity, file_name, row_number, column_name, "
        "value, check_code, reason, reason_en FROM _rejects ORDER BY entity, row_number",
        {"id": summary.load_id},
    )
    con.execute(
        "INSERT INTO meta_extra_value SELECT $id, entity, file_name, row_number, column_name, "
        "value FROM _extra ORDER BY entity, row_number, column_name",
        {"id": summary.load_id},
    )
