"""Type and check a staged delivery, set-based, in SQL.

For each entity, ``typed_<entity>`` holds every staged row with each column typed (NULL where
unparseable) and, as ``<col>__raw``, the trimmed text it was delivered as; ``_rejects``
collects one row per (data row, problem) with an actionable reason in Chinese and English;
``ok_<entity>`` holds the rows with no problem. The checks are DATA_CONTRACT.md's last section:
types and code lists, keys unique within the delivery (all rows sharing a key are rejected),
references resolve (against this delivery and the warehouse), the org tree has one root and no
cycles, dates plausible, amounts in range, and each loan's snapshots consistent.

Cost: the typed values are stored once (``typed_<entity>_t``); the delivered text is kept
only where the value does not give it back (``<col>__alt``: a Chinese code alias, '1,000',
'2025/01/31'; NULL for the usual row), and a Parquet column that already has the contract's
type is used as it is. A fact file in Parquet is not copied at all: ``typed_<entity>_t`` is
then a view over the file. The per-row checks are one scan: the rows that fail any of them go
to a small ``_sus_<entity>`` table, and only that table is checked in detail.

All SQL text is built from the contract's fixed names and constant messages; values from the
files are never pasted into SQL (they are only read from staged tables), and the file name and
dates reach SQL as bound parameters.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import duckdb

from etl.contract import CODE_LISTS, ENTITIES, LOAD_ORDER, ColType, Column, Entity, code_aliases
from etl.read import ExtractError, StagedFile, keep_extra_values, read_error

# Warehouse table and key column of each referenced entity, for reference checks.
REF_TARGETS: dict[str, tuple[str, str]] = {
    "org_units": ("dim_org", "org_id"),
    "staff": ("dim_staff", "staff_id"),
    "customers": ("dim_customer", "customer_id"),
    "loans": ("dim_loan", "loan_id"),
}
# Date columns that may lie after the delivery's as-of date (schedules, contracts).
FUTURE_OK = {("loans", "maturity_date"), ("repayments", "due_date")}
# Numeric column types and their warehouse types; EXACT holds any delivered value unrounded.
SQL_TYPES = {
    ColType.AMOUNT: "DECIMAL(18, 2)",
    ColType.INTEGER: "INTEGER",
    ColType.NUMBER: "DECIMAL(9, 4)",
}
EXACT = "DECIMAL(38, 10)"
# Each contract type as a DuckDB type.
_SQL_TYPE = {
    ColType.TEXT: "VARCHAR",
    ColType.CODE: "VARCHAR",
    ColType.DATE: "DATE",
    ColType.BOOLEAN: "BOOLEAN",
    **SQL_TYPES,
}
MAX_TEXT = 4000

REJECTS_DDL = """
CREATE TEMP TABLE _rejects (
    entity VARCHAR, file_name VARCHAR, row_number BIGINT, column_name VARCHAR,
    value VARCHAR, check_code VARCHAR, reason VARCHAR, reason_en VARCHAR
)
"""


@dataclass(frozen=True)
class Msg:
    """A reject reason: printf templates in Chinese and English over SQL argument expressions."""

    zh: str
    en: str
    args: tuple[str, ...] = ()

    def sql(self) -> tuple[str, str]:
        tail = "".join(f", {a}" for a in self.args)
        return f"printf({lit(self.zh)}{tail})", f"printf({lit(self.en)}{tail})"


def lit(text: str) -> str:
    """A SQL string literal of a constant from this code base (names, messages, codes)."""
    return "'" + text.replace("'", "''") + "'"


def _printf_text(text: str) -> str:
    """A contract name inside a printf template: its '%' (年利率%) is a literal percent."""
    return text.replace("%", "%%")


def qi(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Delivery:
    """The staged files of one extract, keyed by entity name."""

    files: dict[str, StagedFile]
    as_of: dt.date | None = None  # latest valid snapshot month end

    def entities(self) -> list[Entity]:
        return [ENTITIES[n] for n in LOAD_ORDER if n in self.files]


@dataclass(frozen=True)
class _Check:
    """One per-row check: rows of typed_<entity> ``t`` where ``where`` holds are rejected."""

    column: str
    value: str  # the value shown, SQL over t
    where: str  # over t's typed values and <col>__alt only: cheap on every row
    code: str
    msg: Msg


class Validator:
    """Runs every check of a delivery; results in typed_*, ok_* and _rejects temp tables."""

    def __init__(self, con: duckdb.DuckDBPyConnection, delivery: Delivery, today: dt.date):
        self.con = con
        self.delivery = delivery
        self.today = today
        self.forms: dict[str, dict[str, _Form]] = {}  # entity -> column -> how it is typed
        self.views: set[str] = set()  # entities whose typed_<entity>_t is a view over the file

    def run(self, merge: Callable[[Entity], None]) -> None:
        """Check each entity in load order and hand its accepted rows to ``merge`` at once.

        One entity at a time keeps one large typed table in memory, not all of them; the
        reference entities stay (later entities' references are checked against them). Merging
        before later entities are checked is safe: the load writes an unpublished generation.
        """
        self.con.execute("DROP TABLE IF EXISTS _rejects")
        self.con.execute(REJECTS_DDL)
        typed = set()
        if "loan_snapshots" in self.delivery.files:  # the delivery's as-of date comes from it
            self._type(ENTITIES["loan_snapshots"])
            typed.add("loan_snapshots")
        self.delivery.as_of = self._delivery_as_of()
        for entity in self.delivery.entities():
            if entity.name not in typed:
                self._type(entity)
            self._column_checks(entity)
            self._duplicate_keys(entity)
            self._references(entity)
            if entity.name == "org_units":
                self._org_tree()
            if entity.name == "loan_snapshots":
                self._snapshot_consistency()
            if entity.name == "inspections":
                self._inspection_after_disbursement()
            self._accept(entity)
            merge(entity)
            if entity.name in self.views and self.delivery.files[entity.name].changed():
                name = self.delivery.files[entity.name].path.name
                raise ExtractError(
                    f"{name}: the file changed while it was being loaded; "
                    "load the extract again once it is complete"
                )
            if entity.name not in REF_TARGETS:
                self._drop(entity)

    def _drop(self, entity: Entity) -> None:
        """Free a fact's typed rows once merged (nothing later refers to them)."""
        self.con.execute(f"DROP VIEW IF EXISTS ok_{entity.name}")
        self.con.execute(f"DROP VIEW IF EXISTS typed_{entity.name}")
        self.con.execute(f"DROP TABLE IF EXISTS _sus_{entity.name}")
        if entity.name in self.views:
            self.con.execute(f"DROP VIEW IF EXISTS typed_{entity.name}_t")
            self.delivery.files[entity.name].release(self.con)
        else:
            self.con.execute(f"DROP TABLE IF EXISTS typed_{entity.name}_t")

    # -- typing --------------------------------------------------------------------------

    def _type(self, entity: Entity) -> None:
        """typed_<entity>_t: each column's typed value, and its delivered text where needed.

        Built in one pass over the file; for a CSV the row number is the table's rowid, which
        follows the file's order. Rows the reader could not parse (a ragged CSV row, a formula
        cell) go to _rejects with their reason; the rest of the file goes on. A numbered fact
        file in Parquet is not copied: typed_<entity>_t is a view over it (the file is read
        again by each check and by the merge, which costs less than a copy in memory).
        The view typed_<entity> adds each column's delivered text as <col>__raw.
        """
        staged = self.delivery.files[entity.name]
        forms = {c.name: _form(c, staged) for c in entity.columns}
        self.forms[entity.name] = forms
        lead = ["_row"] if staged.numbered else []
        sources = [f"{f.source} AS {qi(n + '__src')}" for n, f in forms.items()]
        values = [f"{f.value(qi(n + '__src'))} AS {qi(n)}" for n, f in forms.items()]
        alts = [
            f"{f.alt(qi(n + '__src'), qi(n))} AS {qi(n + '__alt')}"
            for n, f in forms.items()
            if f.alt is not None
        ]
        extras = [qi(c) for c in staged.extra_sql]
        select = (
            f"SELECT {', '.join([*lead, *map(qi, forms), *alts, *extras])} FROM ("
            f"SELECT *, {', '.join(values)} FROM ("
            f"SELECT {', '.join([*lead, *sources, *extras])} FROM raw_{entity.name}))"
        )
        table = f"typed_{entity.name}"
        # a numbered Parquet fact file is read in place (typed_<entity>_t a view), not copied
        as_view = (
            staged.file_format == "parquet" and staged.numbered and entity.name not in REF_TARGETS
        )
        if as_view:
            self.views.add(entity.name)
            self.con.execute(f"CREATE TEMP VIEW {table}_t AS {select}")
            self._create_typed_view(entity)
            with self._reading(staged):
                staged.rows = self.con.execute(f"SELECT count(*) FROM {table}_t").fetchall()[0][0]
                keep_extra_values(self.con, staged, table)
            return
        try:
            try:
                self.con.execute(f"CREATE TEMP TABLE {table}_t AS {select}")
            except duckdb.Error as exc:
                raise read_error(staged, exc) from None
            typed_rows = self.con.execute(f"SELECT count(*) FROM {table}_t").fetchall()[0][0]
            rejected = staged.reader_rejects(self.con, typed_rows)
            if staged.row_map is not None:  # some CSV rows were unparsable: number around them
                self.con.execute(
                    f"CREATE TEMP TABLE {table}_n AS "
                    f"SELECT t._rid + 1 + coalesce(m.k, 0) AS _row, t.* EXCLUDE (_rid) "
                    f"FROM (SELECT rowid AS _rid, * FROM {table}_t) AS t "
                    f"ASOF LEFT JOIN {staged.row_map} AS m ON t._rid >= m.g ORDER BY t._rid"
                )
                self.con.execute(f"DROP TABLE {table}_t")
                self.con.execute(f"ALTER TABLE {table}_n RENAME TO {table}_t")
                staged.numbered = True
            if rejected is not None:
                self.con.execute(
                    "INSERT INTO _rejects SELECT $entity, $file, row_number, column_name, value, "
                    f"check_code, reason, reason_en FROM {rejected}",
                    {"entity": entity.name, "file": staged.path.name},
                )
        finally:
            staged.release(self.con)
        self._create_typed_view(entity)
        staged.rows = typed_rows + staged.unparsed_rows
        keep_extra_values(self.con, staged, table)

    def _create_typed_view(self, entity: Entity) -> None:
        """typed_<entity>: _row, the typed values, <col>__raw, <col>__alt and extra columns."""
        staged = self.delivery.files[entity.name]
        row = "" if staged.numbered else "rowid + 1 AS _row, "
        raws = [
            f"{f.raw(qi(n), qi(n + '__alt'))} AS {qi(n + '__raw')}"
            for n, f in self.forms[entity.name].items()
        ]
        table = f"typed_{entity.name}"
        self.con.execute(
            f"CREATE TEMP VIEW {table} AS SELECT {row}*, {', '.join(raws)} FROM {table}_t"
        )

    @contextlib.contextmanager
    def _reading(self, staged: StagedFile) -> Iterator[None]:
        """A scan of a file read in place: a file that fails to read refuses as at typing."""
        try:
            yield
        except duckdb.Error as exc:
            raise read_error(staged, exc) from None

    def _delivery_as_of(self) -> dt.date | None:
        if "loan_snapshots" not in self.delivery.files:
            return None
        with self._reading(self.delivery.files["loan_snapshots"]):
            row = self.con.execute(
                "SELECT max(as_of_date) FROM typed_loan_snapshots "
                "WHERE as_of_date = last_day(as_of_date) AND as_of_date <= $today",
                {"today": self.today},
            ).fetchone()
        return row[0] if row else None

    # -- checks --------------------------------------------------------------------------

    def _reject(
        self,
        entity: Entity,
        column: str | None,
        value_sql: str,
        where: str,
        code: str,
        msg: Msg,
        source: str | None = None,
        params: dict | None = None,
    ) -> None:
        """Insert a reject for every row of ``source`` (default typed_<entity>) matching where."""
        staged = self.delivery.files[entity.name]
        src = source or f"typed_{entity.name} AS t"
        zh, en = msg.sql()
        sql = (
            f"INSERT INTO _rejects SELECT {lit(entity.name)}, $file, t._row, "
            f"{lit(column) if column else 'NULL'}, left(({value_sql})::VARCHAR, 200), "
            f"{lit(code)}, {zh}, {en} FROM {src} WHERE {where}"
        )
        self.con.execute(sql, {"file": staged.path.name, **_used(sql, params)})

    def _column_checks(self, entity: Entity) -> None:
        """Every per-row check in one scan: failing rows to _sus_<entity>, then each check there.

        A clean delivery costs the one scan; each check's detailed insert reads the small table.
        """
        checks = self._per_row_checks(entity)
        params = {"as_of": self.delivery.as_of, "today": self.today}
        sus = f"_sus_{entity.name}"
        where = " OR ".join(f"({c.where})" for c in checks)
        sql = f"CREATE OR REPLACE TEMP TABLE {sus} AS SELECT * FROM typed_{entity.name} AS t "
        sql += f"WHERE {where}"
        with self._reading(self.delivery.files[entity.name]):
            self.con.execute(sql, _used(sql, params))
        if not self.con.execute(f"SELECT count(*) FROM {sus}").fetchall()[0][0]:
            return
        for c in checks:
            self._reject(entity, c.column, c.value, c.where, c.code, c.msg, f"{sus} AS t", params)

    def _per_row_checks(self, entity: Entity) -> list[_Check]:
        """The checks of each column (type, range, code list) and of each row (_ROW_RULES)."""
        out: list[_Check] = []
        forms = self.forms[entity.name]
        for col in entity.columns:
            form = forms[col.name]
            raw, val = f"t.{qi(col.name + '__raw')}", f"t.{qi(col.name)}"
            alt = f"t.{qi(col.name + '__alt')}" if form.alt is not None else None
            name = _printf_text(f"{col.name} [{col.alias_zh}]")
            shown = (f"left({raw}, 60)",)
            if not col.nullable:
                msg = Msg(f"{name} 不能为空：请填写该列", f"{col.name} is empty; it is required")
                where = f"{val} IS NULL" + (f" AND {alt} IS NULL" if alt else "")
                out.append(_Check(col.name, raw, where, "missing", msg))
            code, zh, en, expected = _TYPE_PROBLEMS[col.type]
            exp_zh, exp_en = expected(col)
            if alt:  # text that did not parse (the value alone gives back any text that did)
                msg = Msg(
                    f"{name} 的值“%s”{zh}{exp_zh}", f'{col.name} value "%s" {en}{exp_en}', shown
                )
                out.append(_Check(col.name, raw, f"{alt} IS NOT NULL AND {val} IS NULL", code, msg))
            if col.type in SQL_TYPES:
                msg = Msg(f"{name} 不能为负数：%s", f"{col.name} must not be negative: %s", shown)
                out.append(_Check(col.name, raw, f"{val} < 0", "negative", msg))
            if col.type in SQL_TYPES and alt:  # a value rendered back is exact by construction
                msg = Msg(
                    f"{name} 的值“%s”{zh}{exp_zh}（不能四舍五入入库）",
                    f'{col.name} value "%s" {en}{exp_en} (it would have to be rounded)',
                    shown,
                )
                where = f"{alt} IS NOT NULL AND {_number(alt, EXACT)} <> {val}"
                out.append(_Check(col.name, raw, where, code, msg))
            if col.type == ColType.TEXT:
                msg = Msg(
                    f"{name} 文本超过 {MAX_TEXT} 个字符",
                    f"{col.name} text is longer than {MAX_TEXT} characters",
                )
                # strlen (bytes) is at least length (characters) and cheaper
                where = f"strlen({val}) > {MAX_TEXT} AND length({val}) > {MAX_TEXT}"
                out.append(_Check(col.name, f"left({raw}, 60)", where, "too_long", msg))
            if col.type != ColType.DATE:
                continue
            msg = Msg(
                f"{name} 日期 %s 超出合理范围（1900–2100 年）",
                f"{col.name} date %s is outside 1900–2100",
                shown,
            )
            # a date without a year (DuckDB's infinity) is out of range too
            where = f"NOT (isfinite({val}) AND year({val}) BETWEEN 1900 AND 2100)"
            out.append(_Check(col.name, raw, where, "date_out_of_range", msg))
            if self.delivery.as_of and (entity.name, col.name) not in FUTURE_OK:
                msg = Msg(
                    f"{name} 日期 %s 晚于本次报送的数据日期 %s",
                    f"{col.name} date %s is after the delivery as-of date %s",
                    (*shown, "strftime($as_of, '%Y-%m-%d')"),
                )
                out.append(_Check(col.name, raw, f"{val} > $as_of", "after_as_of", msg))
        for code, column, where, msg in _ROW_RULES.get(entity.name, ()):
            out.append(_Check(column, f"t.{qi(column + '__raw')}", where, code, msg))
        return out

    def _duplicate_keys(self, entity: Entity) -> None:
        keys = [qi(k) for k in entity.key]
        key_list = ", ".join(keys)
        not_null = " AND ".join(f"{k} IS NOT NULL" for k in keys)
        # a hash aggregate finds the (usually no) duplicated keys; only their rows are listed
        dup = f"_dup_{entity.name}"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {dup} AS SELECT {key_list} FROM typed_{entity.name} "
            f"WHERE {not_null} GROUP BY ALL HAVING count(*) > 1"
        )
        if not self.con.execute(f"SELECT count(*) FROM {dup}").fetchall()[0][0]:
            self.con.execute(f"DROP TABLE {dup}")
            return
        src = (
            f"(SELECT t.*, count(*) OVER w AS _n, list(t._row ORDER BY t._row) OVER w AS _rows "
            f"FROM typed_{entity.name} AS t SEMI JOIN {dup} AS d USING ({key_list}) "
            f"WINDOW w AS (PARTITION BY {', '.join('t.' + k for k in keys)})) AS t"
        )
        key_text = " || '/' || ".join(f"t.{qi(k + '__raw')}" for k in entity.key)
        names = "/".join(entity.key)
        msg = Msg(
            f"键 {names}=%s 在本文件中出现 %d 次（第 %s 行），全部拒收：请只保留正确的一行",
            f"key {names}=%s appears %d times (rows %s); all are rejected: keep the correct one",
            (key_text, "t._n", "array_to_string(t._rows[1:5], ', ')"),
        )
        self._reject(entity, names, key_text, "TRUE", "duplicate_key", msg, source=src)
        self.con.execute(f"DROP TABLE {dup}")

    def _references(self, entity: Entity) -> None:
        for col in entity.columns:
            if col.ref is None or col.ref == entity.name:
                continue
            target_table, target_key = REF_TARGETS[col.ref]
            known = f"SELECT {target_key} FROM {target_table}"
            if col.ref in self.delivery.files:
                known += f" UNION ALL SELECT {target_key} FROM ok_{col.ref}"
            raw, val = f"t.{qi(col.name + '__raw')}", f"t.{qi(col.name)}"
            msg = Msg(
                _printf_text(f"{col.name} [{col.alias_zh}]")
                + f"“%s”在{_printf_text(ENTITIES[col.ref].label_zh)}中不存在"
                "（本次报送和仓库中都没有，或该行已被拒收）",
                f'{col.name} "%s" is not a known {col.ref} key '
                "(not in this delivery nor the warehouse, or its row was rejected)",
                (raw,),
            )
            where = f"{val} IS NOT NULL AND {val} NOT IN ({known})"
            self._reject(entity, col.name, raw, where, "unknown_reference", msg)

    def _org_tree(self) -> None:
        """One root, every org reaches it through its parents (no cycles, no dangling parent)."""
        ent = ENTITIES["org_units"]
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _org_candidates AS
            SELECT org_id, parent_org_id, TRUE AS delivered FROM typed_org_units t
            WHERE _row NOT IN (SELECT row_number FROM _rejects WHERE entity = 'org_units')
            UNION ALL
            SELECT org_id, parent_org_id, FALSE FROM dim_org
            WHERE org_id NOT IN (SELECT org_id FROM typed_org_units WHERE org_id IS NOT NULL)
            """
        )
        roots = [
            r[0]
            for r in self.con.execute(
                "SELECT org_id FROM _org_candidates WHERE parent_org_id IS NULL ORDER BY org_id"
            ).fetchall()
        ]
        if len(roots) != 1:
            file = self.delivery.files["org_units"].path.name
            found = ", ".join(roots[:10]) if roots else "none"
            raise ExtractError(
                f"{file}: the org tree must have exactly one root (a row with empty "
                f"parent_org_id [上级机构号]); found {len(roots)}: {found}"
            )
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _org_reachable AS
            WITH RECURSIVE r(org_id) AS (
                SELECT org_id FROM _org_candidates WHERE parent_org_id IS NULL
                UNION
                SELECT c.org_id FROM _org_candidates c JOIN r ON c.parent_org_id = r.org_id
            ) SELECT org_id FROM r
            """
        )
        msg = Msg(
            "上级机构链无法到达根机构（上级机构不存在或形成循环）：请核对上级机构号",
            "the chain of parent orgs does not reach the root (unknown parent or a cycle)",
        )
        where = (
            "t.org_id IS NOT NULL AND t.org_id NOT IN (SELECT org_id FROM _org_reachable) "
            "AND t._row NOT IN (SELECT row_number FROM _rejects WHERE entity = 'org_units')"
        )
        self._reject(ent, "parent_org_id", "t.parent_org_id__raw", where, "org_unreachable", msg)

    def _known_loans(self) -> str:
        """Loans this load will know: accepted in the delivery, else as in the warehouse."""
        if "loans" not in self.delivery.files:
            return "dim_loan"
        return (
            "(SELECT loan_id, disbursement_date FROM ok_loans UNION ALL "
            "SELECT loan_id, disbursement_date FROM dim_loan "
            "WHERE loan_id NOT IN (SELECT loan_id FROM ok_loans))"
        )

    def _snapshot_consistency(self) -> None:
        """No snapshot after the month a loan left the book (delivery and warehouse together)."""
        ent = ENTITIES["loan_snapshots"]
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _left_book AS
            WITH rows AS (
                SELECT loan_id, as_of_date, status FROM typed_loan_snapshots
                WHERE loan_id IS NOT NULL AND as_of_date IS NOT NULL AND status IS NOT NULL
                UNION ALL
                SELECT loan_id, as_of_date, status FROM fct_loan_snapshot
                WHERE as_of_date NOT IN (SELECT DISTINCT as_of_date FROM typed_loan_snapshots
                                         WHERE as_of_date IS NOT NULL)
            )
            SELECT loan_id, min(as_of_date) AS left_date, arg_min(status, as_of_date) AS status
            FROM rows WHERE status <> 'active' GROUP BY loan_id
            """
        )
        left = "strftime(lb.left_date, '%Y-%m-%d')"
        msg = Msg(
            "借据 %s 已于 %s 离开账面（状态 %s），之后不应再有快照",
            "loan %s left the book on %s (status %s); no snapshot may follow",
            ("t.loan_id", left, "lb.status"),
        )
        src = (
            "typed_loan_snapshots AS t JOIN _left_book AS lb "
            "ON lb.loan_id = t.loan_id AND t.as_of_date > lb.left_date"
        )
        self._reject(ent, "as_of_date", "t.as_of_date__raw", "TRUE", "after_leaving", msg, src)
        disbursed = "strftime(l.disbursement_date, '%Y-%m-%d')"
        msg = Msg(
            "快照日期 %s 早于借据发放当月月末（发放日 %s）",
            "snapshot date %s is before the month end of disbursement (%s)",
            ("t.as_of_date__raw", disbursed),
        )
        src = f"typed_loan_snapshots AS t JOIN {self._known_loans()} AS l ON l.loan_id = t.loan_id"
        where = "t.as_of_date < last_day(l.disbursement_date)"
        self._reject(ent, "as_of_date", "t.as_of_date__raw", where, "before_disbursement", msg, src)

    def _inspection_after_disbursement(self) -> None:
        """No inspection of a loan before its disbursement."""
        msg = Msg(
            "检查日期 %s 早于借据 %s 的发放日期 %s",
            "inspection_date %s is before loan %s was disbursed (%s)",
            ("t.inspection_date__raw", "t.loan_id", "strftime(l.disbursement_date, '%Y-%m-%d')"),
        )
        src = f"typed_inspections AS t JOIN {self._known_loans()} AS l ON l.loan_id = t.loan_id"
        where = "t.inspection_date < l.disbursement_date"
        self._reject(
            ENTITIES["inspections"],
            "inspection_date",
            "t.inspection_date__raw",
            where,
            "inspection_before_disbursement",
            msg,
            src,
        )

    def _accept(self, entity: Entity) -> None:
        """ok_<entity>: a view, so the accepted rows are copied once, into the warehouse.

        Rejected rows are left out by an anti-join, only where there are any (the usual clean
        file is merged as it is typed)."""
        cols = ", ".join(qi(c.name) for c in entity.columns)
        rejected = self.con.execute(
            "SELECT count(*) FROM _rejects WHERE entity = $entity", {"entity": entity.name}
        ).fetchall()[0][0]
        bad = f"SELECT row_number FROM _rejects WHERE entity = {lit(entity.name)}"
        where = f" WHERE _row NOT IN ({bad})" if rejected else ""
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW ok_{entity.name} AS SELECT _row, {cols} "
            f"FROM typed_{entity.name}{where}"
        )

    # -- results -------------------------------------------------------------------------

    def counts(self) -> dict[str, tuple[int, int]]:
        """entity -> (rows loaded, rows rejected)."""
        bad = dict(
            self.con.execute(
                "SELECT entity, count(DISTINCT row_number) FROM _rejects GROUP BY entity"
            ).fetchall()
        )
        return {
            name: (staged.rows - bad.get(name, 0), bad.get(name, 0))
            for name, staged in self.delivery.files.items()
        }


# -- typing expressions --------------------------------------------------------------------


@dataclass(frozen=True)
class _Form:
    """How one contract column is typed, and how the text it was delivered as is recovered.

    ``source`` reads the staged column (text trimmed, or a Parquet column as it is);
    ``value(s)`` types it; ``alt(s, v)`` is the delivered text where ``render(v)`` does not
    give it back, else NULL (``alt`` None: render always does). So the delivered text is
    ``coalesce(alt, render(value))`` and is stored only for the rare row that needs it.
    """

    source: str
    value: Callable[[str], str]
    render: Callable[[str], str]
    alt: Callable[[str, str], str] | None = None

    def raw(self, value: str, alt: str) -> str:
        """SQL of the delivered, trimmed text (NULL when empty) over the typed columns."""
        return f"coalesce({alt}, {self.render(value)})" if self.alt else self.render(value)


def _form(col: Column, staged: StagedFile) -> _Form:
    """The cheapest typing of ``col`` that gives exactly what parsing its text would give."""
    if col.name not in staged.present:
        return _Form("NULL", lambda s: f"CAST({s} AS {_SQL_TYPE[col.type]})", _text)
    staged_type = staged.types.get(col.name, "VARCHAR")
    native = _native(col, staged_type)
    if native is not None:
        return native
    src = qi(col.name)
    text = _trimmed(src if staged_type == "VARCHAR" else f"CAST({src} AS VARCHAR)")
    if col.type == ColType.TEXT:
        return _Form(text, lambda s: s, lambda v: v)
    render = (lambda v: v) if col.type == ColType.CODE else _text
    return _Form(
        text,
        lambda s: _parse(col, s),
        render,
        lambda s, v: f"CASE WHEN {s} IS DISTINCT FROM {render(v)} THEN {s} END",
    )


def _native(col: Column, staged_type: str) -> _Form | None:
    """A Parquet column that already holds the contract's type: used as it is.

    Where a value is outside what the cast back to text and parsing would give unchanged
    (a date before year 1000 or without a year, a number too large for the contract's type)
    it takes the text path, so that every value is typed, checked and shown as in a CSV.
    """
    # templates over "{s}", the staged column
    safe: str | None = None  # a condition for the direct value; None: every value
    if col.type == ColType.DATE and staged_type == "DATE":
        safe = "{s} BETWEEN DATE '1000-01-01' AND DATE '9999-12-31'"
        direct = "{s}"
    elif col.type == ColType.BOOLEAN and staged_type == "BOOLEAN":
        direct = "{s}"
    elif col.type in SQL_TYPES:
        found = _numeric(staged_type)
        target = _numeric(SQL_TYPES[col.type])
        assert target is not None
        if found is None or found[1] > target[1]:  # more decimals: rounding is a check
            return None
        # a value that may not fit takes the text path, which rejects it as text would be
        if col.type == ColType.INTEGER:
            if staged_type not in _FITS_INTEGER and found[0] > 9:
                safe = "{s} BETWEEN -2147483648 AND 2147483647"
        elif found[0] - found[1] > target[0] - target[1]:
            top = "9" * (target[0] - target[1]) + "." + "9" * target[1]
            safe = f"{{s}} BETWEEN -{top} AND {top}"
        cast = "CAST" if safe is None else "TRY_CAST"  # TRY_: however CASE is evaluated
        direct = f"{cast}({{s}} AS {SQL_TYPES[col.type]})"
    else:
        return None
    same = staged_type.replace(" ", "") == _SQL_TYPE[col.type].replace(" ", "")

    def render(v: str) -> str:
        return _text(v) if same else _text(f"CAST({v} AS {staged_type})")

    def on(template: str, s: str) -> str:
        return template.replace("{s}", s)

    if safe is None:
        return _Form(qi(col.name), lambda s: on(direct, s), render)
    return _Form(
        qi(col.name),
        lambda s: f"CASE WHEN {on(safe, s)} THEN {on(direct, s)} ELSE {_parse(col, _text(s))} END",
        render,
        lambda s, _v: f"CASE WHEN NOT ({on(safe, s)}) THEN {_text(s)} END",
    )


_FITS_INTEGER = {"TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT"}
_INTEGER_DIGITS = {
    "TINYINT": 3,
    "SMALLINT": 5,
    "INTEGER": 10,
    "BIGINT": 19,
    "UTINYINT": 3,
    "USMALLINT": 5,
    "UINTEGER": 10,
    "UBIGINT": 20,
}


def _numeric(sql_type: str) -> tuple[int, int] | None:
    """(digits, decimals) of an exact numeric type; INTEGER as the contract's whole number."""
    if sql_type in _INTEGER_DIGITS:
        return _INTEGER_DIGITS[sql_type], 0
    match = re.fullmatch(r"DECIMAL\((\d+), ?(\d+)\)", sql_type)
    return (int(match[1]), int(match[2])) if match else None


def _text(v: str) -> str:
    return f"CAST({v} AS VARCHAR)"


def _used(sql: str, params: dict | None) -> dict:
    """The parameters a statement names (DuckDB refuses unused ones)."""
    return {k: v for k, v in (params or {}).items() if f"${k}" in sql}


# -- parsing expressions -------------------------------------------------------------------


def _parse(col: Column, raw: str) -> str:
    """SQL that turns the trimmed text into the column's type, NULL when it does not parse."""
    if col.type == ColType.TEXT:
        return raw
    if col.type == ColType.CODE:
        assert col.codes is not None
        whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in code_aliases(col.codes).items())
        return f"(CASE {raw} {whens} END)"
    if col.type == ColType.DATE:
        # TRY_CAST reads YYYY-MM-DD and YYYY/MM/DD fast; strptime only sees what it left NULL.
        # A date starts with a digit: DuckDB would also cast 'epoch' and 'infinity'.
        date = f"COALESCE(TRY_CAST({raw} AS DATE), CAST(try_strptime({raw}, '%Y%m%d') AS DATE))"
        return f"CASE WHEN left({raw}, 1) BETWEEN '0' AND '9' THEN {date} END"
    if col.type in SQL_TYPES:
        # a cast rounds silently ('12.345' -> 12.35, '1.5' -> 2): the exactness check in
        # _column_checks compares with the EXACT value and rejects what would be altered
        target = SQL_TYPES[col.type]
        return (
            f"COALESCE(TRY_CAST({raw} AS {target}), TRY_CAST(replace({raw}, ',', '') AS {target}))"
        )
    if col.type == ColType.BOOLEAN:
        return (
            f"(CASE lower({raw}) WHEN 'true' THEN TRUE WHEN '1' THEN TRUE WHEN 'y' THEN TRUE "
            f"WHEN 'yes' THEN TRUE WHEN '是' THEN TRUE WHEN 'false' THEN FALSE WHEN '0' THEN FALSE "
            f"WHEN 'n' THEN FALSE WHEN 'no' THEN FALSE WHEN '否' THEN FALSE END)"
        )
    raise AssertionError(col.type)


def _trimmed(col: str) -> str:
    """Text without surrounding spaces, empty as NULL; TRIM (a copy) only where needed."""
    return (
        f"CASE WHEN starts_with({col}, ' ') OR ends_with({col}, ' ') OR {col} = '' "
        f"THEN NULLIF(TRIM({col}), '') ELSE {col} END"
    )


def _number(raw: str, sql_type: str) -> str:
    """Text to a number; thousands separators are tried only where the plain cast failed."""
    return (
        f"COALESCE(TRY_CAST({raw} AS {sql_type}), TRY_CAST(replace({raw}, ',', '') AS {sql_type}))"
    )


def _expected_codes(col: Column) -> tuple[str, str]:
    if col.codes == "industry_code":
        return "，应为 GB/T 4754 门类字母 A–T", "; expected a GB/T 4754 section letter A–T"
    codes = CODE_LISTS[col.codes or ""]
    zh = "、".join(f"{k}（{v}）" for k, v in codes.items())
    return f"，应为：{zh}", f"; expected one of: {', '.join(codes)}"


def _fixed(zh: str, en: str) -> Callable[[Column], tuple[str, str]]:
    return lambda _col: (zh, en)


# type -> (check code, zh problem, en problem, expected values (zh, en))
_TYPE_PROBLEMS: dict[ColType, tuple[str, str, str, Callable[[Column], tuple[str, str]]]] = {
    ColType.TEXT: ("bad_text", "无效", "is not valid text", _fixed("", "")),
    ColType.CODE: ("unknown_code", "不在代码表中", "is not a known code", _expected_codes),
    ColType.DATE: (
        "bad_date",
        "不是有效日期",
        "is not a valid date",
        _fixed(
            "，应为 YYYY-MM-DD、YYYY/MM/DD 或 YYYYMMDD", "; use YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD"
        ),
    ),
    ColType.AMOUNT: (
        "not_an_amount",
        "不是金额",
        "is not an amount",
        _fixed("，应为以元为单位、最多两位小数的数字", "; use yuan with at most 2 decimals"),
    ),
    ColType.INTEGER: ("not_an_integer", "不是整数", "is not a whole number", _fixed("", "")),
    ColType.NUMBER: (
        "not_a_number",
        "不是数字",
        "is not a number",
        _fixed("，最多四位小数", "; at most 4 decimals"),
    ),
    ColType.BOOLEAN: (
        "not_a_boolean",
        "不是布尔值",
        "is not true/false",
        _fixed("，应为 true/false、1/0 或 是/否", "; use true/false, 1/0 or 是/否"),
    ),
}

# entity -> [(check code, column, condition over typed_<entity> t, message)]
_ROW_RULES: dict[str, list[tuple[str, str, str, Msg]]] = {
    "staff": [
        (
            "leave_before_hire",
            "leave_date",
            "t.leave_date < t.hire_date",
            Msg(
                "离职日期 %s 早于入职日期 %s",
                "leave_date %s is before hire_date %s",
                ("t.leave_date__raw", "t.hire_date__raw"),
            ),
        ),
    ],
    "loans": [
        (
            "maturity_before_disbursement",
            "maturity_date",
            "t.maturity_date < t.disbursement_date",
            Msg(
                "到期日期 %s 早于发放日期 %s：请核对借据日期",
                "maturity_date %s is before disbursement_date %s",
                ("t.maturity_date__raw", "t.disbursement_date__raw"),
            ),
        ),
        (
            "not_positive",
            "contract_amount",
            "t.contract_amount = 0",
            Msg("合同金额必须大于 0", "contract_amount must be greater than 0"),
        ),
    ],
    "loan_snapshots": [
        (
            "not_month_end",
            "as_of_date",
            "t.as_of_date <> last_day(t.as_of_date)",
            Msg(
                "数据日期 %s 不是月末：快照按月末报送",
                "as_of_date %s is not a month end",
                ("t.as_of_date__raw",),
            ),
        ),
        (
            "future_date",
            "as_of_date",
            "t.as_of_date > $today",
            Msg("数据日期 %s 晚于今天", "as_of_date %s is in the future", ("t.as_of_date__raw",)),
        ),
        (
            "overdue_above_balance",
            "overdue_principal",
            "t.overdue_principal > t.balance",
            Msg(
                "逾期本金 %s 大于贷款余额 %s：逾期本金不能超过余额",
                "overdue_principal %s is above balance %s",
                ("t.overdue_principal__raw", "t.balance__raw"),
            ),
        ),
        (
            "leaving_with_balance",
            "balance",
            "t.status <> 'active' AND t.balance <> 0",
            Msg(
                "状态为 %s 的快照余额应为 0，实为 %s",
                "a snapshot with status %s must have balance 0, not %s",
                ("t.status", "t.balance__raw"),
            ),
        ),
    ],
    "inspections": [
        (
            "report_before_inspection",
            "report_date",
            "t.report_date < t.inspection_date",
            Msg(
                "报告日期 %s 早于检查日期 %s",
                "report_date %s is before inspection_date %s",
                ("t.report_date__raw", "t.inspection_date__raw"),
            ),
        ),
    ],
    "warning_signals": [
        (
            "resolved_before_signal",
            "resolved_date",
            "t.resolved_date < t.signal_date",
            Msg(
                "解除日期 %s 早于发现日期 %s",
                "resolved_date %s is before signal_date %s",
                ("t.resolved_date__raw", "t.signal_date__raw"),
            ),
        ),
    ],
    "repayments": [
        (
            "not_positive",
            "installment_no",
            "t.installment_no < 1",
            Msg("期次必须从 1 开始", "installment_no must be 1 or more"),
        ),
    ],
}
