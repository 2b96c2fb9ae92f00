"""HR's downloads: performance scores, bonus allocation, definitions (METRICS.md §7, issue 5).

Pure functions of frames (no Streamlit), so what HR receives is unit-tested byte for byte.
Every file states its data as-of date, its generation time and the configuration used, so a
figure can be explained and reproduced from the file alone. Amounts are Decimal yuan exact to
the fen; ratios are fractions (shown as percentages); scores and weights have two decimals.

The Excel workbook has the sheets 评分明细 (scores and every component's numerator, denominator,
ratio, score and weight), 奖金分配 (only with an allocation) and 口径与参数 (definitions and
every configuration value); each sheet: title, as-of date, generation time, configuration, a
blank row, then the table. The CSV files carry the same header lines, UTF-8 with a BOM (Excel's
cue for Unicode); the same inputs give the same bytes apart from the generation-time line.
Data is never code: names are written as text cells, and in CSV text Excel would run as a
formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import pandas as pd
import xlsxwriter

from dashboard.texts.hr import TEXT

Lang = Literal["zh-CN", "en"]  # as dashboard.i18n.Lang (not imported: it loads Streamlit)

# The order of metrics.scores.COMPONENTS (the frame contract); not imported so that this
# module stands on the frame alone.
COMPONENTS: tuple[str, ...] = (
    "timeliness",
    "report_quality",
    "asset_quality",
    "migration",
    "recovery",
    "warning_handling",
)
_MONEY_COMPONENTS = frozenset({"asset_quality", "migration", "recovery"})  # yuan, not counts

Kind = Literal["text", "flag", "rank", "int", "count", "money", "ratio", "score", "weight"]
_TEXT_KINDS = ("text", "flag")  # flag: a short word (是/否), centred

_FEN = Decimal("0.01")
_PREFIX = "scores."  # where the configuration sits in the settings (settings.scores)
_MAX_WIDTH = 36  # characters; longer texts wrap in the cell …
_MAX_WIDTH_DEFINITIONS = 50  # … except on the definitions sheet, which is mostly text
_HEADER_WIDTH = 14  # headers longer than this wrap onto a second line
_LINE_HEIGHT = 14  # points per line of 10-point text
_PAGE_COLUMNS = 12  # a table this narrow prints one page wide; a wider one over several


@dataclass(frozen=True)
class _Sheet:
    """One table as exported: the lines above it, the table, and how each column reads."""

    name: str
    lines: tuple[str, ...]  # title first, then as-of, generation time, configuration, …
    table: pd.DataFrame  # headers in the UI language; Python values (Decimal, int, float, str)
    kinds: tuple[Kind, ...]  # one per column
    frozen_columns: int = 0  # columns kept in view when scrolling right
    total_row: tuple[object, ...] | None = None  # Excel only, below the table
    max_width: int = _MAX_WIDTH  # widest column, in characters


def scores_table(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """The scores frame of metrics.scores as HR reads it: one row per manager, ranked."""
    return _scores(frame, lang)[0]


def bonus_table(allocation: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """The allocation of metrics.bonus.allocate as HR reads it; amounts in Decimal yuan."""
    return _bonus(allocation, lang)[0]


def definitions_table(config: Mapping[str, object], lang: Lang) -> pd.DataFrame:
    """One row per component (raw figure, scoring rule as configured, weight), the rules of
    the total and the bonus, then every configuration value (``config`` is
    ``settings.scores.model_dump()``)."""
    return _definitions(config, lang)[0]


def workbook(
    scores: pd.DataFrame,
    allocation: pd.DataFrame | None,
    config: Mapping[str, object],
    as_of: date,
    generated_at: datetime,
    title: str,
    lang: Lang = "zh-CN",
) -> bytes:
    """The Excel file for HR: 评分明细, 奖金分配 (when ``allocation`` is given), 口径与参数."""
    sheets = [_scores_sheet(scores, config, as_of, generated_at, title, lang)]
    if allocation is not None:
        sheets.append(_bonus_sheet(allocation, config, as_of, generated_at, title, lang))
    sheets.append(_definitions_sheet(config, as_of, generated_at, title, lang))
    out = io.BytesIO()
    options = {
        "in_memory": True,
        "strings_to_formulas": False,  # a name "=HYPERLINK(…)" stays text
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    with xlsxwriter.Workbook(out, options) as book:
        # the file's own timestamp is the generation time: nothing else varies between runs
        book.set_properties({"title": title, "created": generated_at})
        formats = _formats(book)
        for sheet in sheets:
            _write_sheet(book, sheet, formats)
    return out.getvalue()


def scores_csv(
    scores: pd.DataFrame,
    config: Mapping[str, object],
    as_of: date,
    generated_at: datetime,
    title: str,
    lang: Lang = "zh-CN",
) -> bytes:
    """The 评分明细 sheet as CSV (UTF-8 with BOM), with the same header lines."""
    return _csv(_scores_sheet(scores, config, as_of, generated_at, title, lang))


def bonus_csv(
    allocation: pd.DataFrame,
    config: Mapping[str, object],
    as_of: date,
    generated_at: datetime,
    title: str,
    lang: Lang = "zh-CN",
) -> bytes:
    """The 奖金分配 sheet as CSV (UTF-8 with BOM), with the same header lines."""
    return _csv(_bonus_sheet(allocation, config, as_of, generated_at, title, lang))


# --- tables -----------------------------------------------------------------------------------


def _scores(frame: pd.DataFrame, lang: Lang) -> tuple[pd.DataFrame, tuple[Kind, ...]]:
    frame = _ranked(frame)
    rated = [bool(r) for r in frame["rated"]]
    totals = [_number(v) for v in frame["total"]]
    # competition ranking (1, 2, 2, 4) of the rated by total
    rated_totals = pd.Series(
        [t if r else None for t, r in zip(totals, rated, strict=True)], dtype=float
    )
    ranks = rated_totals.rank(method="min", ascending=False)
    columns: list[tuple[str, Kind, list[object]]] = [
        (_text("hr_col_rank", lang), "rank", [None if pd.isna(k) else int(k) for k in ranks]),
        (_text("hr_col_manager_id", lang), "text", _strings(frame["manager_id"])),
        (_text("hr_col_manager", lang), "text", _strings(frame["manager_name"])),
        (_text("hr_col_org", lang), "text", _strings(frame["org_name"])),
        (
            _text("hr_col_total", lang),
            "score",
            [t if r else None for t, r in zip(totals, rated, strict=True)],
        ),
        (
            _text("hr_col_status", lang),
            "text",
            [
                _status(r, reason, lang)
                for r, reason in zip(rated, frame["not_rated_reason"], strict=True)
            ],
        ),
        (_text("hr_col_obligations", lang), "int", [_whole(v) for v in frame["obligations"]]),
        (_text("hr_col_loans", lang), "int", [_whole(v) for v in frame["loans"]]),
    ]
    for c in COMPONENTS:
        name = _text(f"hr_component_{c}", lang)
        amounts: Kind = "money" if c in _MONEY_COMPONENTS else "count"
        parts: list[tuple[str, Kind, str]] = [
            (f"hr_numerator_{c}", amounts, f"{c}_numerator"),
            (f"hr_denominator_{c}", amounts, f"{c}_denominator"),
            (f"hr_raw_{c}", "ratio", f"{c}_raw"),
            ("hr_score", "score", f"{c}_score"),
            ("hr_weight", "weight", f"{c}_weight"),
        ]
        for key, kind, column in parts:
            header = _text("hr_component_column", lang, component=name, what=_text(key, lang))
            convert = {"money": _money, "count": _count}.get(kind, _number)
            values = [convert(v) for v in frame[column]]
            columns.append((header, kind, values))
    return _table(columns)


def _bonus(allocation: pd.DataFrame, lang: Lang) -> tuple[pd.DataFrame, tuple[Kind, ...]]:
    yes, no = _text("hr_yes", lang), _text("hr_no", lang)
    columns: list[tuple[str, Kind, list[object]]] = [
        (_text("hr_col_manager_id", lang), "text", _strings(allocation["manager_id"])),
        (_text("hr_col_manager", lang), "text", _strings(allocation["manager_name"])),
        (_text("hr_col_org", lang), "text", _strings(allocation["org_name"])),
        (_text("hr_col_total", lang), "score", [_number(v) for v in allocation["total"]]),
        (_text("hr_col_eligible", lang), "flag", [yes if e else no for e in allocation.eligible]),
        (
            _text("hr_col_reason", lang),
            "text",
            [None if _missing(r) else _text(f"hr_reason_{r}", lang) for r in allocation.reason],
        ),
        (_text("hr_col_share", lang), "money", list(allocation["share"])),
        (_text("hr_col_paid_now", lang), "money", list(allocation["paid_now"])),
        (_text("hr_col_deferred", lang), "money", list(allocation["deferred"])),
    ]
    return _table(columns)


def _definitions(config: Mapping[str, object], lang: Lang) -> tuple[pd.DataFrame, tuple[Kind, ...]]:
    weights = _weights(config)
    rows: list[tuple[str, str, str, str, object, str]] = []
    rule_values: dict[str, dict[str, str]] = {
        "asset_quality": {
            "target": _percent_short(_setting(config, "npl_target")),
            "cap": _percent_short(_setting(config, "npl_cap")),
        },
        "migration": {"cap": _percent_short(_setting(config, "migration_cap"))},
        "recovery": {"target": _percent_short(_setting(config, "recovery_target"))},
    }
    days = _plain(_setting(config, "signal_resolution_days"))
    component_kind = _text("hr_kind_component", lang)
    for c in COMPONENTS:
        path, weight = weights.get(c, ("", None))
        rows.append(
            (
                component_kind,
                _text(f"hr_component_{c}", lang),
                _text(f"hr_definition_{c}", lang, days=days),
                _text(f"hr_rule_{c}", lang, **rule_values.get(c, {})),
                weight,
                _assignment(path, weight) if path else "",
            )
        )
    rule_kind = _text("hr_kind_rule", lang)
    general = {
        "total": {},
        "rescale": {},
        "not_rated": {"min": _plain(_setting(config, "min_obligations"))},
        "bonus": {"threshold": _plain(_setting(config, "bonus_threshold"))},
        "deferral": {"share": _percent_short(_setting(config, "bonus_deferred_share"))},
    }
    for name, placeholders in general.items():
        rows.append(
            (
                rule_kind,
                _text(f"hr_general_{name}", lang),
                _text(f"hr_general_{name}_rule", lang, **placeholders),
                "",
                None,
                "",
            )
        )
    setting_kind = _text("hr_kind_setting", lang)
    for path, leaf, value in _flatten(config, _PREFIX):
        label = _setting_label(path, leaf, lang)
        shown = _readable(leaf, value, lang)
        rows.append((setting_kind, label, "", shown, None, _assignment(path, value)))
    headers = ("hr_col_kind", "hr_col_name", "hr_col_definition", "hr_col_rule", "hr_weight")
    kinds: tuple[Kind, ...] = ("text", "text", "text", "text", "weight", "text")
    columns = [
        (_text(h, lang), kind, [row[i] for row in rows])
        for i, (h, kind) in enumerate(zip((*headers, "hr_col_setting"), kinds, strict=True))
    ]
    return _table(columns)


def _table(columns: list[tuple[str, Kind, list[object]]]) -> tuple[pd.DataFrame, tuple[Kind, ...]]:
    """A frame of Python values (object columns: Decimal stays Decimal, None stays None)."""
    data = {header: pd.Series(values, dtype=object) for header, _, values in columns}
    return pd.DataFrame(data), tuple(kind for _, kind, _ in columns)


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """Rated first, by total descending, then manager id: the order does not depend on the
    caller's."""
    order = pd.DataFrame(
        {
            "unrated": [not bool(r) for r in frame["rated"]],
            "total": [-(_number(t) or 0.0) for t in frame["total"]],
            "manager_id": [str(m) for m in frame["manager_id"]],
        },
        index=frame.index,
    )
    keys = ["unrated", "total", "manager_id"]
    return frame.loc[order.sort_values(keys, kind="mergesort").index]


# --- sheets -----------------------------------------------------------------------------------


def _scores_sheet(
    scores: pd.DataFrame,
    config: Mapping[str, object],
    as_of: date,
    generated_at: datetime,
    title: str,
    lang: Lang,
) -> _Sheet:
    table, kinds = _scores(scores, lang)
    name = _text("hr_sheet_scores", lang)
    lines = _header_lines(title, name, as_of, generated_at, lang)
    lines.append(_text("hr_config_line", lang, items=config_summary(config, lang)))
    return _Sheet(name, tuple(lines), table, kinds, frozen_columns=3)


def _bonus_sheet(
    allocation: pd.DataFrame,
    config: Mapping[str, object],
    as_of: date,
    generated_at: datetime,
    title: str,
    lang: Lang,
) -> _Sheet:
    table, kinds = _bonus(allocation, lang)
    name = _text("hr_sheet_bonus", lang)
    attrs = allocation.attrs
    shares = [Decimal(s) for s in allocation["share"]]
    pool = attrs.get("pool", sum(shares, Decimal("0.00")))
    threshold = attrs.get("threshold", _setting(config, "bonus_threshold"))
    deferred = attrs.get("deferred_share", _setting(config, "bonus_deferred_share"))
    lines = _header_lines(title, name, as_of, generated_at, lang)
    lines.append(_text("hr_config_line", lang, items=config_summary(config, lang)))
    lines.append(
        _text(
            "hr_bonus_line",
            lang,
            pool=f"{Decimal(pool):,.2f}",
            threshold=_plain(threshold),
            share=_percent_short(deferred),
        )
    )
    unallocated = attrs.get("unallocated", Decimal(0))
    if unallocated:
        lines.append(_text("hr_unallocated_line", lang, pool=f"{Decimal(unallocated):,.2f}"))
    total_row = (
        _text("hr_total_row", lang),
        *([None] * 5),
        sum(shares, Decimal("0.00")),
        sum((Decimal(v) for v in allocation["paid_now"]), Decimal("0.00")),
        sum((Decimal(v) for v in allocation["deferred"]), Decimal("0.00")),
    )
    return _Sheet(name, tuple(lines), table, kinds, frozen_columns=2, total_row=total_row)


def _definitions_sheet(
    config: Mapping[str, object], as_of: date, generated_at: datetime, title: str, lang: Lang
) -> _Sheet:
    table, kinds = _definitions(config, lang)
    name = _text("hr_sheet_definitions", lang)
    lines = _header_lines(title, name, as_of, generated_at, lang)
    return _Sheet(
        name, tuple(lines), table, kinds, frozen_columns=2, max_width=_MAX_WIDTH_DEFINITIONS
    )


def _header_lines(
    title: str, sheet: str, as_of: date, generated_at: datetime, lang: Lang
) -> list[str]:
    return [
        f"{title} · {sheet}",
        _text("hr_as_of_line", lang, as_of=as_of.isoformat()),
        _text("hr_generated_line", lang, at=generated_at.isoformat(sep=" ", timespec="seconds")),
    ]


# --- Excel ------------------------------------------------------------------------------------

_NUMBER_FORMATS: dict[Kind, str] = {
    "rank": "0",
    "int": "#,##0",
    "count": "#,##0",
    "money": "#,##0.00",
    "ratio": "0.00%",
    "score": "0.00",
    "weight": "0.00",
}


def _formats(book: xlsxwriter.Workbook) -> dict[str, object]:
    base = {"font_size": 10, "valign": "top"}
    formats: dict[str, object] = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "line": book.add_format(
            {"font_size": 10, "font_color": "#555555", "text_wrap": True, "valign": "top"}
        ),
        "header": book.add_format(
            {
                "bold": True,
                "font_size": 10,
                "bg_color": "#DDE4EE",
                "border": 1,
                "text_wrap": True,
                "valign": "vcenter",
                "align": "center",
            }
        ),
        "text": book.add_format({**base, "text_wrap": True, "indent": 1}),
        "flag": book.add_format({**base, "align": "center"}),
        "total_text": book.add_format({**base, "bold": True, "top": 1, "indent": 1}),
        "total_blank": book.add_format({**base, "top": 1}),
    }
    for kind, number_format in _NUMBER_FORMATS.items():
        centred = {"align": "center"} if kind == "rank" else {}
        formats[kind] = book.add_format({**base, **centred, "num_format": number_format})
        formats[f"total_{kind}"] = book.add_format(
            {**base, "num_format": number_format, "bold": True, "top": 1}
        )
    # a count that is not whole (never expected) still shows its decimals
    formats["count_fraction"] = book.add_format({**base, "num_format": "#,##0.00"})
    return formats


def _write_sheet(book: xlsxwriter.Workbook, sheet: _Sheet, formats: dict[str, object]) -> None:
    ws = book.add_worksheet(sheet.name)
    ws.hide_gridlines(2)
    headers = [str(c) for c in sheet.table.columns]
    widths = _widths(sheet)
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    ws.write_string(0, 0, sheet.lines[0], formats["title"])
    ws.set_row(0, 22)
    last_column = len(headers) - 1
    for r, line in enumerate(sheet.lines[1:], start=1):
        # across the table's width, wrapped: a long configuration line stays on the page
        if last_column:
            ws.merge_range(r, 0, r, last_column, line, formats["line"])
        else:
            ws.write_string(r, 0, line, formats["line"])
        ws.set_row(r, _LINE_HEIGHT * _lines(line, sum(widths)) + 1)
    header_row = len(sheet.lines) + 1  # a blank row between the lines and the table
    lines = max((_lines(h, w) for h, w in zip(headers, widths, strict=True)), default=1)
    ws.set_row(header_row, _LINE_HEIGHT * lines + 4)
    for c, header in enumerate(headers):
        ws.write_string(header_row, c, header, formats["header"])
    text_columns = [c for c, kind in enumerate(sheet.kinds) if kind == "text"]
    for r, row in enumerate(sheet.table.itertuples(index=False), start=header_row + 1):
        for c, (value, kind) in enumerate(zip(row, sheet.kinds, strict=True)):
            _write_cell(ws, r, c, value, kind, formats, prefix="")
        # wrapped text needs a taller row: Excel and LibreOffice do not grow it on opening
        lines = max((_lines(row[c], widths[c]) for c in text_columns), default=1)
        if lines > 1:
            ws.set_row(r, _LINE_HEIGHT * lines + 2)
    last_row = header_row + len(sheet.table)
    if sheet.total_row is not None:
        for c, (value, kind) in enumerate(zip(sheet.total_row, sheet.kinds, strict=True)):
            _write_cell(ws, last_row + 1, c, value, kind, formats, prefix="total_")
    ws.freeze_panes(header_row + 1, sheet.frozen_columns)
    ws.autofilter(header_row, 0, max(last_row, header_row), len(headers) - 1)
    # printing: landscape A4 with the header row on every page; a narrow table one page wide,
    # a wide one (the scores) over several pages with the names repeated on each
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(header_row)
    if len(widths) <= _PAGE_COLUMNS:
        ws.fit_to_pages(1, 0)
    else:
        ws.set_print_scale(80)
        if sheet.frozen_columns:
            ws.repeat_columns(0, sheet.frozen_columns - 1)


def _lines(value: object, width: int) -> int:
    """Lines a text takes in a wrapped cell of ``width`` characters."""
    if _missing(value):
        return 1
    return max(1, math.ceil(_width(str(value)) / max(width - 2, 1)))


def _write_cell(
    ws: xlsxwriter.worksheet.Worksheet,
    r: int,
    c: int,
    value: object,
    kind: Kind,
    formats: dict[str, object],
    prefix: str,
) -> None:
    if _missing(value):
        ws.write_blank(r, c, None, formats[f"{prefix}blank" if prefix else "text"])
    elif kind in _TEXT_KINDS:
        ws.write_string(r, c, str(value), formats[f"{prefix}text" if prefix else kind])
    elif kind == "count" and not prefix and float(value) != int(float(value)):
        ws.write_number(r, c, float(value), formats["count_fraction"])
    else:
        ws.write_number(r, c, float(value), formats[f"{prefix}{kind}"])


def _widths(sheet: _Sheet) -> list[int]:
    """Column widths from the longest shown value; headers wrap beyond _HEADER_WIDTH."""
    widths = []
    for column, kind in zip(sheet.table.columns, sheet.kinds, strict=True):
        values = [v for v in sheet.table[column] if not _missing(v)]
        if kind not in _TEXT_KINDS and values:  # the widest number is the largest or the smallest
            values = [max(values), min(values)]
        shown = [_width(_shown(v, kind)) for v in set(values)]
        header = min(_width(str(column)), _HEADER_WIDTH)
        widths.append(min(sheet.max_width, max([header, *shown]) + 2))
    return widths


def _shown(value: object, kind: Kind) -> str:
    """Roughly what Excel shows for a value, for its width."""
    if _missing(value):
        return ""
    if kind in _TEXT_KINDS:
        return str(value)
    number = float(value)
    return {
        "money": f"{number:,.2f}",
        "ratio": f"{number * 100:.2f}%",
        "rank": f"{number:.0f}",
        "int": f"{number:,.0f}",
        "count": f"{number:,.0f}",
    }.get(kind, f"{number:.2f}")


# --- CSV --------------------------------------------------------------------------------------


def _csv(sheet: _Sheet) -> bytes:
    """Header lines, a blank line, the headers, the rows; CRLF line ends, UTF-8 with BOM."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in sheet.lines:
        writer.writerow([_inert(line)])
    writer.writerow([])
    writer.writerow([_inert(str(c)) for c in sheet.table.columns])
    for row in sheet.table.itertuples(index=False):
        writer.writerow([_csv_value(v, k) for v, k in zip(row, sheet.kinds, strict=True)])
    return out.getvalue().encode("utf-8-sig")


def _csv_value(value: object, kind: Kind) -> str:
    if _missing(value):
        return ""
    if kind in _TEXT_KINDS:
        return _inert(str(value))
    if kind == "money":
        return format(Decimal(value).quantize(_FEN, rounding=ROUND_HALF_UP), "f")
    if kind == "ratio":
        return f"{_half_up(Decimal(str(value)) * 100)}%"
    if kind in ("rank", "int", "count") and float(value) == int(float(value)):
        return str(int(float(value)))
    return str(_half_up(Decimal(str(value))))


def _inert(value: str) -> str:
    """Text Excel would run as a formula (leading = + - @, tab, CR) gets a leading apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- configuration ----------------------------------------------------------------------------


def _flatten(config: Mapping[str, object], prefix: str) -> Iterator[tuple[str, str, object]]:
    """(dotted path, leaf key, value) of every configuration value, nested mappings opened."""
    for key, value in config.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", str(key), value


def _setting(config: Mapping[str, object], leaf: str) -> object:
    """The value of the setting named ``leaf`` wherever it sits in ``config``; None if absent."""
    return next((v for _, k, v in _flatten(config, "") if k == leaf), None)


def _weights(config: Mapping[str, object]) -> dict[str, tuple[str, object]]:
    """Configured weight per component with its setting path: ``weights.<c>`` (a mapping)
    or a flat ``<c>_weight`` / ``weight_<c>``."""
    found: dict[str, tuple[str, object]] = {}
    for path, leaf, value in _flatten(config, _PREFIX):
        component = _weight_of(path, leaf)
        if component:
            found[component] = (path, value)
    return found


def _weight_of(path: str, leaf: str) -> str | None:
    for c in COMPONENTS:
        if leaf in (f"{c}_weight", f"weight_{c}") or (leaf == c and "weight" in path):
            return c
    return None


def _setting_label(path: str, leaf: str, lang: Lang) -> str:
    component = _weight_of(path, leaf)
    if component:
        return _text("hr_cfg_weight", lang, component=_text(f"hr_component_{component}", lang))
    key = f"hr_cfg_{leaf}"
    return _text(key, lang) if key in TEXT else leaf


def _readable(leaf: str, value: object, lang: Lang) -> str:
    """A configuration value as HR reads it: shares as percentages, days in days."""
    if isinstance(value, bool):
        return _text("hr_yes" if value else "hr_no", lang)
    if leaf.endswith(("_target", "_cap", "_share")):
        return _percent_short(value)
    if leaf.endswith("_days"):
        return _text("hr_days", lang, days=_plain(value))
    if leaf.endswith("_threshold"):
        return _text("hr_points", lang, points=_plain(value))
    return _plain(value)


def config_summary(config: Mapping[str, object], lang: Lang) -> str:
    """Every configuration value on one line: the weights first, then the rest."""
    separator, gap = ("；", "、") if lang == "zh-CN" else ("; ", ", ")
    weights = _weights(config)
    weighted = gap.join(
        f"{_text(f'hr_component_{c}', lang)} {_plain(weights[c][1])}"
        for c in COMPONENTS
        if c in weights
    )
    parts = [_text("hr_config_weights", lang, items=weighted)] if weighted else []
    for path, leaf, value in _flatten(config, _PREFIX):
        if not _weight_of(path, leaf):
            parts.append(f"{_setting_label(path, leaf, lang)} {_readable(leaf, value, lang)}")
    return separator.join(parts)


def _assignment(path: str, value: object) -> str:
    """``scores.npl_target = 0.02``: the exact setting, to reproduce the figures."""
    return f"{path} = {json.dumps(value, ensure_ascii=False, default=str)}"


# --- values -----------------------------------------------------------------------------------


def _text(key: str, lang: Lang, **values: object) -> str:
    zh, en = TEXT[key]
    template = zh if lang == "zh-CN" else en
    return template.format(**values) if values else template


def _status(rated: bool, reason: object, lang: Lang) -> str:
    if rated:
        return _text("hr_status_rated", lang)
    key = f"hr_reason_{reason}"
    label = _text(key, lang) if key in TEXT else ("" if _missing(reason) else str(reason))
    return _text("hr_status_not_rated", lang, reason=label).rstrip("：: ")


def _strings(values: pd.Series) -> list[object]:
    return [None if _missing(v) else str(v) for v in values]


def _money(value: object) -> Decimal | None:
    """Yuan rounded half up to the fen; the frame's floats come from DECIMAL sums."""
    if _missing(value):
        return None
    return Decimal(str(value)).quantize(_FEN, rounding=ROUND_HALF_UP)


def _number(value: object) -> float | None:
    return None if _missing(value) else float(value)


def _count(value: object) -> int | float | None:
    """A count: whole (an int) as expected; a fraction kept should one ever come."""
    if _missing(value):
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def _whole(value: object) -> int | None:
    return None if _missing(value) else int(value)


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(_FEN, rounding=ROUND_HALF_UP)


def _plain(value: object) -> str:
    """A number without trailing zeros (60, 0.4, 12.5); anything else as text; None as —."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    return format(Decimal(str(value)).normalize(), "f")


def _percent_short(value: object) -> str:
    """A fraction as a percentage without trailing zeros: 0.02 -> 2%, 0.025 -> 2.5%."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return "—"
    return f"{_plain(Decimal(str(value)) * 100)}%"


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _width(value: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)
