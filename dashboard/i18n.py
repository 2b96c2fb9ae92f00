"""Every UI string in Chinese (the default) and English, and readable labels for codes.

Chinese code labels come from the data contract (etl.contract.CODE_LISTS), so the UI says
exactly what the delivered files say; English labels are written here. ``t`` reads the language
chosen in the sidebar; ``text`` and ``code_label`` take it explicitly for code outside a run.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from daihou.settings import default_settings
from etl.contract import CODE_LISTS, ENTITIES

Lang = Literal["zh-CN", "en"]
LANGUAGES: tuple[Lang, ...] = ("zh-CN", "en")
LANGUAGE_NAMES: dict[Lang, str] = {"zh-CN": "中文", "en": "English"}
LANG_KEY = "lang"  # session-state key of the language switch

# key -> (Chinese, English). Placeholders in braces are filled by ``t(key, name=value)``.
_TEXT: dict[str, tuple[str, str]] = {
    # shell
    "app_title": ("贷后管理监测平台", "Post-loan monitoring"),
    "page_overview": ("总览", "Overview"),
    "page_data_quality": ("数据质量", "Data quality"),
    "org": ("机构", "Institution"),
    "org_help": (
        "可输入机构名称筛选；只列出您有权查看的机构。",
        "Type to filter by name; lists the institutions you may see.",
    ),
    "as_of": ("数据日期", "Data date"),
    "as_of_help": (
        "月末数据日期，默认为最新月末。",
        "Month end of the data; the latest by default.",
    ),
    "signed_in_as": ("当前用户：{name}（{org}）", "User: {name} ({org})"),
    "no_warehouse": (
        "尚未加载数据：在 `{path}` 没有找到数据仓库。\n\n"
        "请先加载源数据：`daihou load <数据目录>`；或用 `daihou demo` 生成并加载演示数据；"
        "或设置环境变量 `DAIHOU_WAREHOUSE` 指向已有的数据仓库。然后刷新本页面。",
        "No data loaded yet: there is no warehouse at `{path}`.\n\n"
        "Load an extract with `daihou load <EXTRACT_DIR>`, or generate and load the demo bank "
        "with `daihou demo`, or point the environment variable `DAIHOU_WAREHOUSE` at an "
        "existing warehouse. Then reload this page.",
    ),
    "no_orgs": (
        "数据仓库中没有机构数据，请检查最近一次加载。",
        "The warehouse holds no institutions; check the latest load.",
    ),
    "org_refused": (
        "链接中的机构“{org}”不存在或不在您的权限范围内，未予采用，现显示“{fallback}”。",
        "The institution “{org}” in the link is unknown or outside your scope and was not "
        "used; showing “{fallback}”.",
    ),
    "as_of_refused": (
        "链接中的数据日期“{as_of}”没有数据，未予采用，现显示 {fallback}。",
        "The data date “{as_of}” in the link has no data and was not used; showing {fallback}.",
    ),
    "no_months": (
        "数据仓库中还没有月末借据快照，暂无资产质量数据。",
        "The warehouse holds no month-end loan snapshots yet: no asset-quality figures.",
    ),
    # overview
    "overview_caption": ("{path} · 数据日期 {as_of}", "{path} · data date {as_of}"),
    "kpi_loan_count": ("贷款笔数", "Loans"),
    "kpi_total_balance": ("各项贷款", "Total loans"),
    "kpi_npl_balance": ("不良贷款", "NPL balance"),
    "with_unit": ("{label}（{unit}）", "{label} ({unit})"),
    "kpi_npl_ratio": ("不良贷款率", "NPL ratio"),
    "kpi_sm_ratio": ("关注类占比", "Special-mention ratio"),
    "kpi_loan_count_help": (
        "月末在账借据笔数：状态为正常在账且余额大于 0。",
        "Loans on the book at the month end: status active and balance above 0.",
    ),
    "kpi_total_balance_help": (
        "各项贷款 = 月末在账借据的本金余额合计。",
        "Total loans = sum of the principal balance of the loans on the book.",
    ),
    "kpi_npl_balance_help": (
        "不良贷款 = 次级类 + 可疑类 + 损失类贷款余额。",
        "NPL = substandard + doubtful + loss balance.",
    ),
    "kpi_npl_ratio_help": (
        "不良贷款率 = (次级 + 可疑 + 损失)余额 / 各项贷款余额。",
        "NPL ratio = (substandard + doubtful + loss) balance / total loans.",
    ),
    "kpi_sm_ratio_help": (
        "关注类占比 = 关注类贷款余额 / 各项贷款余额。",
        "Special-mention ratio = special-mention balance / total loans.",
    ),
    "delta_caption": (
        "箭头为较上一数据日期 {previous} 的变化。",
        "Changes are against the previous data date, {previous}.",
    ),
    "class_structure": ("五级分类结构", "Five-class structure"),
    "class_structure_caption": (
        "{as_of} 月末在账贷款按五级分类的余额、笔数和余额占比。不良贷款 = 次级 + 可疑 + 损失。",
        "Balance, count and balance share of the loans on the book at {as_of}, by class. "
        "NPL = substandard + doubtful + loss.",
    ),
    "class_total": ("合计", "Total"),
    "trend_title": ("五级分类余额走势（近 36 个月）", "Balance by class (last 36 months)"),
    "trend_caption": (
        "各月末在账贷款余额，按五级分类堆叠，{start} 至 {end}。",
        "Balance of the loans on the book at each month end, stacked by class, {start} to {end}.",
    ),
    "children_title": ("下级机构", "Sub-units"),
    "children_caption": (
        "{as_of} 各下级机构（含其所辖机构）的在账贷款。点选一行可下钻到该机构。"
        "不良贷款率 = (次级 + 可疑 + 损失)余额 / 各项贷款余额；无在账贷款时显示“—”。"
        "本机构直接经办的贷款不属于任何下级机构。",
        "Loans on the book at {as_of} of each sub-unit and everything below it. Select a row "
        "to drill down. NPL ratio = (substandard + doubtful + loss) balance / total loans; "
        "“—” when nothing is on the book. Loans booked at this institution itself belong to "
        "no sub-unit.",
    ),
    "no_children": ("{org}没有下级机构。", "{org} has no sub-units."),
    "up_to": ("返回上级：{name}", "Up to {name}"),
    "col_org": ("机构", "Institution"),
    "col_level": ("层级", "Level"),
    "col_class": ("五级分类", "Class"),
    "col_loan_count": ("笔数", "Loans"),
    "col_balance": ("余额（{unit}）", "Balance ({unit})"),
    "col_total_balance": ("各项贷款（{unit}）", "Total loans ({unit})"),
    "col_npl_balance": ("不良贷款（{unit}）", "NPL ({unit})"),
    "col_share": ("占比", "Share"),
    "col_npl_ratio": ("不良贷款率", "NPL ratio"),
    "col_sm_ratio": ("关注类占比", "Special-mention ratio"),
    "loans_unit": ("笔", "loans"),
    "axis_month": ("数据日期", "Month end"),
    "axis_balance": ("余额（{unit}）", "Balance ({unit})"),
    # data quality
    "dq_runs": ("加载记录", "Load runs"),
    "dq_runs_caption": (
        "每次成功的加载一行，最新在前。被整体拒绝的加载不改变数据仓库，因此不在此列。"
        "本页按加载批次统计全部数据，不受机构筛选影响。",
        "One row per successful load, newest first. A refused load changes nothing and is "
        "not listed. This page covers whole loads; the institution filter does not apply.",
    ),
    "dq_no_runs": ("尚无加载记录。", "No loads yet."),
    "dq_load": ("加载批次", "Load"),
    "dq_load_option": ("第 {id} 批 · {time} · {status}", "#{id} · {time} · {status}"),
    "dq_files": ("文件明细", "Files"),
    "dq_rejects": ("拒绝行", "Rejected rows"),
    "dq_rejects_caption": (
        "未入库的数据行及原因；一行有多个问题时每个问题一条。行号从第一条数据行起计 1，不含表头。",
        "Rows not loaded and why; a row with several problems has one entry per problem. Row "
        "numbers count data rows from 1, header excluded.",
    ),
    "dq_entity": ("数据实体", "Entity"),
    "dq_all_entities": ("全部", "All"),
    "dq_text": ("搜索原因或原值", "Search reason or value"),
    "dq_counts": ("按原因统计", "Counts by reason"),
    "dq_details": ("拒绝行明细", "Rejected rows one by one"),
    "dq_shown": (
        "显示前 {shown} 条，共 {total} 条问题记录；下载包含全部。",
        "Showing the first {shown} of {total} problems; the download holds all.",
    ),
    "dq_no_rejects": ("没有符合条件的拒绝行。", "No rejected rows match."),
    "dq_download": ("下载筛选后的拒绝行（CSV）", "Download the filtered rejects (CSV)"),
    "col_load_id": ("批次", "Load"),
    "col_started_at": ("开始时间", "Started"),
    "col_status": ("状态", "Status"),
    "col_source_dir": ("源目录", "Source folder"),
    "col_delivery_as_of": ("数据截止日", "Data up to"),
    "col_months": ("交付月份", "Months delivered"),
    "col_rows_read": ("读取行数", "Rows read"),
    "col_rows_loaded": ("入库行数", "Rows loaded"),
    "col_rows_rejected": ("拒绝行数", "Rows rejected"),
    "col_entity": ("数据实体", "Entity"),
    "col_file_name": ("文件名", "File"),
    "col_file_format": ("格式", "Format"),
    "col_encoding": ("编码", "Encoding"),
    "col_extra_columns": ("额外列（另存）", "Extra columns (kept aside)"),
    "col_row_number": ("行号", "Row"),
    "col_column_name": ("字段", "Column"),
    "col_value": ("原值", "Value"),
    "col_reason": ("原因", "Reason"),
    "col_problem_count": ("问题数", "Problems"),
    "col_row_count": ("涉及行数", "Rows"),
}

# English labels of the code lists the UI shows; Chinese ones come from CODE_LISTS.
_CODES_EN: dict[str, dict[str, str]] = {
    "classification": {
        "normal": "Normal",
        "special_mention": "Special mention",
        "substandard": "Substandard",
        "doubtful": "Doubtful",
        "loss": "Loss",
    },
    "org_level": {"head_office": "Head office", "branch": "Branch", "sub_branch": "Sub-branch"},
}

# Codes of the load bookkeeping (warehouse meta_ tables), not part of the data contract.
_LOAD_STATUS: dict[str, tuple[str, str]] = {
    "loaded": ("已加载", "loaded"),
    "loaded_with_rejects": ("已加载（有拒绝行）", "loaded with rejects"),
}


def language() -> Lang:
    """The language chosen in this session, else the configured default."""
    return st.session_state.get(LANG_KEY, default_settings().language)


def t(key: str, **values: object) -> str:
    """The UI string ``key`` in the session's language, placeholders filled."""
    return text(key, language(), **values)


def text(key: str, lang: Lang, **values: object) -> str:
    zh, en = _TEXT[key]
    template = zh if lang == "zh-CN" else en
    return template.format(**values) if values else template


def code_label(codes: str, code: str | None, lang: Lang) -> str:
    """A code's label: the short Chinese label of the contract, or readable English."""
    if code is None:
        return ""
    if lang == "zh-CN":
        return CODE_LISTS[codes].get(code, code).split("/")[0]
    return _CODES_EN.get(codes, {}).get(code, code.replace("_", " "))


def entity_label(entity: str, lang: Lang) -> str:
    """An input entity's name: 借据 · loans."""
    if lang == "zh-CN" and entity in ENTITIES:
        return ENTITIES[entity].label_zh
    return entity.replace("_", " ")


def column_label(entity: str, column: str | None, lang: Lang) -> str:
    """A delivered column's name: 证件号码（id_number） · id_number; "" for a whole row."""
    if column is None:
        return ""
    if lang == "zh-CN" and entity in ENTITIES and column in ENTITIES[entity].column_names:
        return f"{ENTITIES[entity].column(column).alias_zh}（{column}）"
    return column


def load_status_label(status: str, lang: Lang) -> str:
    zh, en = _LOAD_STATUS.get(status, (status, status))
    return zh if lang == "zh-CN" else en
