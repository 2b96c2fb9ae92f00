"""Type and check a staged delivery, set-based, in SQL.

For each entity, ``typed_<entity>`` holds every staged row with each column parsed (NULL where
unparseable) beside its trimmed text (``<col>__raw``); ``_rejects`` collects one row per
(data row, problem) with an actionable reason in Chinese and English; ``ok_<entity>`` holds the
rows with no problem. The checks are DATA_CONTRACT.md's last section: types and code lists,
keys unique within the delivery (all rows sharing a key are rejected), references resolve
(against this delivery and the warehouse), the org tree has one root and no cycles, dates
plausible, amounts in range, and each loan's snapshots consistent.

All SQL text is built from the contract's fixed names and constant messages; values from the
files are never pasted into SQL (they are only read from staged tables), and the file name and
dates reach SQL as bound parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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


class Validator:
    """Runs every check of a delivery; results in typed_*, ok_* and _rejects temp tables."""

    def __init__(self, con: duckdb.DuckDBPyConnection, delivery: Delivery, today: dt.date):
        self.con = con
        self.delivery = delivery
        self.today = today

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
            self._row_checks(entity)
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
            if entity.name not in REF_TARGETS:
                self._drop(entity)

    def _drop(self, entity: Entity) -> None:
        """Free a fact's typed rows once merged (nothing later refers to them)."""
        self.con.execute(f"DROP VIEW IF EXISTS ok_{entity.name}")
        self.con.execute(f"DROP VIEW IF EXISTS typed_{entity.name}")
        self.con.execute(f"DROP TABLE IF EXISTS typed_{entity.name}_t")

    # -- typing --------------------------------------------------------------------------

    def _type(self, entity: Entity) -> None:
        """typed_<entity>: each column's trimmed text (<col>__raw) and its parsed value.

        Built in one pass over the file; for a CSV the row number is the table's rowid, which
        follows the file's order. Rows the reader could not parse (a ragged CSV row, a formula
        cell) go to _rejects with their reason; the rest of the file goes on.
        """
        staged = self.delivery.files[entity.name]
        cols = ["_row"] if staged.numbered else []
        parsed = []
        for col in entity.columns:
            raw_name = qi(col.name + "__raw")
            text = _trimmed(qi(col.name)) if col.name in staged.present else "NULL"
            cols.append(f"{text}::VARCHAR AS {raw_name}")
            parsed.append(f"{_parse(col, raw_name)} AS {qi(col.name)}")
        cols += [qi(c) for c in staged.extra_sql]
        table = f"typed_{entity.name}"
        try:
            try:
                self.con.execute(
                    f"CREATE TEMP TABLE {table}_t AS SELECT *, {', '.join(parsed)} "
                    f"FROM (SELECT {', '.join(cols)} FROM raw_{entity.name})"
                )
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
        row = "" if staged.numbered else "rowid + 1 AS _row, "
        self.con.execute(f"CREATE TEMP VIEW {table} AS SELECT {row}* FROM {table}_t")
        staged.rows = typed_rows + staged.unparsed_rows
        keep_extra_values(self.con, staged, table)

    def _delivery_as_of(self) -> dt.date | None:
        if "loan_snapshots" not in self.delivery.files:
            return None
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
        self.con.execute(
            f"INSERT INTO _rejects SELECT {lit(entity.name)}, $file, t._row, "
            f"{lit(column) if column else 'NULL'}, left(({value_sql})::VARCHAR, 200), "
            f"{lit(code)}, {zh}, {en} FROM {src} WHERE {where}",
            {"file": staged.path.name, **(params or {})},
        )

    def _column_checks(self, entity: Entity) -> None:
        as_of = {"as_of": self.delivery.as_of}
        for col in entity.columns:
            raw, val = f"t.{qi(col.name + '__raw')}", f"t.{qi(col.name)}"
            name = _printf_text(f"{col.name} [{col.alias_zh}]")
            shown = (f"left({raw}, 60)",)
            if not col.nullable:
                msg = Msg(f"{name} 不能为空：请填写该列", f"{col.name} is empty; it is required")
                self._reject(entity, col.name, raw, f"{raw} IS NULL", "missing", msg)
            code, zh, en, expected = _TYPE_PROBLEMS[col.type]
            exp_zh, exp_en = expected(col)
            msg = Msg(f"{name} 的值“%s”{zh}{exp_zh}", f'{col.name} value "%s" {en}{exp_en}', shown)
            self._reject(entity, col.name, raw, f"{raw} IS NOT NULL AND {val} IS NULL", code, msg)
            if col.type in SQL_TYPES:
                msg = Msg(f"{name} 不能为负数：%s", f"{col.name} must not be negative: %s", shown)
                self._reject(entity, col.name, raw, f"{val} < 0", "negative", msg)
                exact = _number(raw, EXACT)
                code, zh, en, expected = _TYPE_PROBLEMS[col.type]
                exp_zh, exp_en = expected(col)
                msg = Msg(
                    f"{name} 的值“%s”{zh}{exp_zh}（不能四舍五入入库）",
                    f'{col.name} value "%s" {en}{exp_en} (it would have to be rounded)',
                    shown,
                )
                self._reject(entity, col.name, raw, f"{exact} <> {val}", code, msg)
            if col.type == ColType.TEXT:
                msg = Msg(
                    f"{name} 文本超过 {MAX_TEXT} 个字符",
                    f"{col.name} text is longer than {MAX_TEXT} characters",
                )
                self._reject(
                    entity,
                    col.name,
                    f"left({raw}, 60)",
                    f"length({raw}) > {MAX_TEXT}",
                    "too_long",
                    msg,
                )
            if col.type != ColType.DATE:
                continue
            msg = Msg(
                f"{name} 日期 %s 超出合理范围（1900–2100 年）",
                f"{col.name} date %s is outside 1900–2100",
                shown,
            )
            # a date without a year (DuckDB's infinity) is out of range too
            self._reject(
                entity,
                col.name,
                raw,
                f"NOT (isfinite({val}) AND year({val}) BETWEEN 1900 AND 2100)",
                "date_out_of_range",
                msg,
            )
            if self.delivery.as_of and (entity.name, col.name) not in FUTURE_OK:
                msg = Msg(
                    f"{name} 日期 %s 晚于本次报送的数据日期 %s",
                    f"{col.name} date %s is after the delivery as-of date %s",
                    (*shown, "strftime($as_of, '%Y-%m-%d')"),
                )
                self._reject(
                    entity, col.name, raw, f"{val} > $as_of", "after_as_of", msg, params=as_of
                )

    def _row_checks(self, entity: Entity) -> None:
        for code, column, where, msg in _ROW_RULES.get(entity.name, ()):
            raw = f"t.{qi(column + '__raw')}"
            params = {"today": self.today} if "$today" in where else None
            self._reject(entity, column, raw, where, code, msg, params=params)

    def _duplicate_keys(self, entity: Entity) -> None:
        keys = [qi(k) for k in entity.key]
        key_list = ", ".join(keys)
        not_null = " AND ".join(f"{k} IS NOT NULL" for k in keys)
        # a hash aggregate finds the (usually no) duplicated keys; only their rows are listed
        dup = (
            f"(SELECT {key_list} FROM typed_{entity.name} WHERE {not_null} "
            f"GROUP BY ALL HAVING count(*) > 1)"
        )
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
        """ok_<entity>: a view, so the accepted rows are copied once, into the warehouse."""
        cols = ", ".join(qi(c.name) for c in entity.columns)
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW ok_{entity.name} AS SELECT _row, {cols} "
            f"FROM typed_{entity.name} WHERE _row NOT IN "
            f"(SELECT row_number FROM _rejects WHERE entity = {lit(entity.name)})"
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
