"""Every UI string in Chinese (the default) and English, and readable labels for codes.

Chinese code labels come from the data contract (etl.contract.CODE_LISTS), so the UI says
exactly what the delivered files say; English labels are written here. ``t`` reads the language
chosen in the sidebar; ``text`` and ``code_label`` take it explicitly for code outside a run.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from daihou.settings import default_settings
from dashboard.texts import auth as auth_text
from dashboard.texts import borrower as borrower_text
from dashboard.texts import hr as hr_text
from dashboard.texts import inspection as inspection_text
from dashboard.texts import watchlist as watchlist_text
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
    # asset quality
    "page_asset_quality": ("资产质量", "Asset quality"),
    "aq_caption": ("{path} · 数据日期 {as_of}", "{path} · data date {as_of}"),
    "aq_title": ("{org} · 资产质量", "{org} · Asset quality"),
    "filter_item": ("{name}：{value}", "{name}: {value}"),
    "list_sep": ("；", "; "),
    "bucket_current": ("{label} 未逾期", "{label} current"),
    "bucket_range": ("{label} {low}–{high} 天", "{label} {low}–{high} days"),
    "bucket_over": ("{label} {days} 天以上", "{label} over {days} days"),
    "aq_closing_not_after": (
        "期末须晚于期初：请另选期初或期末。",
        "The closing must be after the opening: pick another opening or closing.",
    ),
    "aq_filters_active": ("已筛选：{filters}", "Filtered: {filters}"),
    "filter_product": ("贷款品种", "Product"),
    "filter_customer_type": ("客户类型", "Customer type"),
    "filter_industry": ("行业门类", "Industry"),
    "filter_guarantee": ("担保方式", "Guarantee"),
    "filter_all": ("全部", "All"),
    "aq_nothing_on_book": (
        "{as_of} 在所选范围内没有在账贷款。",
        "Nothing is on the book in this scope at {as_of}.",
    ),
    "kpi_overdue_ratio": ("逾期贷款率", "Overdue ratio"),
    "kpi_overdue_ratio_help": (
        "逾期贷款率 = 逾期天数大于 0 的贷款余额（全额）/ 各项贷款余额。"
        "其中逾期本金 {principal}，占各项贷款 {principal_ratio}。",
        "Overdue ratio = full balance of loans with days past due above 0 / total loans. "
        "Their overdue principal alone: {principal}, {principal_ratio} of total loans.",
    ),
    "kpi_dpd90_to_npl": ("逾期90天以上/不良", "90+ days overdue / NPL"),
    "kpi_dpd90_to_npl_help": (
        "偏离度 = 逾期 90 天以上贷款余额 / 不良贷款余额；高于 100% 说明有逾期 90 天以上的贷款"
        "未纳入不良。逾期 60 天以上/不良：{dpd60}。",
        "= balance of loans over 90 days past due / NPL balance; above 100% means loans over "
        "90 days past due are kept out of NPL. Over 60 days / NPL: {dpd60}.",
    ),
    "kpi_breaches": ("分类偏离（笔）", "Floor breaches (loans)"),
    "kpi_breaches_help": (
        "五级分类优于逾期天数所对应最低分类的贷款笔数，余额 {balance}。明细见本页最后一节。",
        "Loans classified better than their days past due allow; balance {balance}. Listed "
        "in the last section of this page.",
    ),
    "aq_by_org": ("分机构不良贷款率与五级分类结构", "NPL ratio and class structure by institution"),
    "aq_by_org_caption": (
        "{as_of} 各下级机构（含其所辖机构）的在账贷款，以及本机构直接经办的贷款（本级）；"
        "各行相加等于本机构合计。点选一行可下钻到该机构。"
        "不良贷款率 = (次级 + 可疑 + 损失)余额 / 各项贷款余额；"
        "逾期贷款率 = 逾期贷款余额 / 各项贷款余额。",
        "Loans on the book at {as_of} of each sub-unit (with everything below it) and those "
        "booked at this institution itself (own book); the rows add up to the total. Select a "
        "row to drill down. NPL ratio = (substandard + doubtful + loss) balance / total loans; "
        "overdue ratio = overdue balance / total loans.",
    ),
    "own_book": ("本级（{org}直接经办）", "Own book ({org})"),
    "col_overdue_ratio": ("逾期贷款率", "Overdue ratio"),
    "col_breaches": ("分类偏离（笔）", "Floor breaches"),
    "axis_share": (
        "占各项贷款的比例（关注 + 不良；其余为正常类）",
        "Share of total loans (special mention + NPL; the rest is normal)",
    ),
    "aq_trend": ("资产质量走势", "Asset-quality trend"),
    "aq_trend_caption": (
        "{start} 至 {end} 各月末：左图为五级分类余额（堆叠），右图为不良贷款率、关注类占比"
        "和逾期贷款率，均以各项贷款余额为分母。",
        "Each month end from {start} to {end}: balance by class (stacked, left) and NPL, "
        "special-mention and overdue ratios (right), each over total loans.",
    ),
    "axis_ratio": ("比率", "Ratio"),
    "aq_migration": ("五级分类迁徙（贷款迁徙率）", "Five-class migration"),
    "aq_opening": ("期初", "Opening"),
    "aq_closing": ("期末", "Closing"),
    "aq_opening_help": (
        "期初月末，默认为上年末（无数据时为最早的月末）。期初之后发放的贷款不属于任何期初分类。",
        "Opening month end; the previous year end by default, else the first month end with "
        "data. Loans disbursed after it belong to no cohort.",
    ),
    "aq_closing_help": (
        "期末月末，默认为数据日期。",
        "Closing month end; the data date by default.",
    ),
    "aq_no_migration": (
        "{as_of} 之前没有其他月末数据，无法计算迁徙：迁徙需要期初、期末两个月末。",
        "No month end with data before {as_of}: migration needs an opening and a closing "
        "month end.",
    ),
    "aq_opening_missing": (
        "上年末 {year_end} 没有数据，期初默认取最早的月末。",
        "The previous year end {year_end} has no data; the opening defaults to the first "
        "month end.",
    ),
    "aq_matrix_measure": ("矩阵显示", "Cells show"),
    "measure_opening_balance": ("期初余额", "Opening balance"),
    "measure_closing_balance": ("期末余额", "Closing balance"),
    "measure_loan_count": ("笔数", "Loans"),
    "aq_migration_caption": (
        "行：期初（{opening}）五级分类；列：期末（{closing}）五级分类，或期间结清、核销、转让。"
        "单元格为{measure}（金额单位{unit}）及笔数，颜色为该单元格占本行的比例。"
        "每行期初余额之和等于该类期初余额。",
        "Rows: class at the opening ({opening}); columns: class at the closing ({closing}), or "
        "settled, written off, transferred in between. Cells: {measure} (amounts in {unit}) "
        "and loans; colour: the cell's share of its row. Each row's opening balances add up to "
        "the class's opening balance.",
    ),
    "axis_from_class": ("期初分类（{date}）", "Class at {date}"),
    "axis_to_state": ("期末状态（{date}）", "State at {date}"),
    "row_share": ("行占比", "Row share"),
    "mig_rate": ("{cls}类贷款迁徙率", "{cls} migration rate"),
    "mig_rate_help": (
        "{cls}类贷款迁徙率 = 期初{cls}类贷款中期末转为{worse}类的余额 / "
        "(期初{cls}类贷款余额 − 期初{cls}类贷款期间减少金额)。",
        "{cls} migration rate = closing balance of the opening {cls} loans now {worse} / "
        "(opening {cls} balance − its period reduction).",
    ),
    "mig_performing": ("正常贷款迁徙率", "Performing-loan migration rate"),
    "mig_performing_help": (
        "正常贷款迁徙率 = 期初正常类和关注类贷款中期末转为不良贷款（次级、可疑、损失）的余额 / "
        "(期初正常类和关注类贷款余额 − 两类期间减少金额)。正常类转为关注类不计入。",
        "Performing-loan migration rate = closing balance of the opening normal and "
        "special-mention loans now NPL (substandard, doubtful, loss) / (their opening balance "
        "− their period reduction). A move from normal to special mention does not count.",
    ),
    "mig_figures": (
        "分子 {numerator}；分母 {denominator}（期初余额 {opening} − 期间减少金额 {reduction}）。",
        "Numerator {numerator}; denominator {denominator} (opening {opening} − period "
        "reduction {reduction}).",
    ),
    "mig_performing_figures": (
        "分子 {numerator}；分母 {denominator}。",
        "Numerator {numerator}; denominator {denominator}.",
    ),
    "mig_rates_caption": (
        "{opening} → {closing}。期间减少金额 = 期初余额 − 期末仍在账余额"
        "（含还款、清收、转让、核销）；分母为 0 时显示“—”。",
        "{opening} → {closing}. Period reduction = opening balance − balance still on the book "
        "at the closing (repaid, recovered, transferred, written off); “—” when the "
        "denominator is 0.",
    ),
    "col_rate": ("迁徙率", "Rate"),
    "col_numerator": ("分子（{unit}）", "Numerator ({unit})"),
    "col_denominator": ("分母（{unit}）", "Denominator ({unit})"),
    "col_opening_balance": ("期初余额（{unit}）", "Opening ({unit})"),
    "col_period_reduction": ("期间减少金额（{unit}）", "Period reduction ({unit})"),
    "col_indicator": ("指标", "Figure"),
    "aq_roll": ("逾期分档与滚动率", "Delinquency buckets and roll rates"),
    "aq_roll_caption": (
        "{previous} → {as_of} 的月度迁移；逾期分档按逾期天数：{buckets}。",
        "Month-on-month moves {previous} → {as_of}; buckets by days past due: {buckets}.",
    ),
    "aq_no_previous_month": (
        "{as_of} 的上一个月末没有数据，本月没有逾期分档迁移和滚动率。",
        "The month end before {as_of} has no data: no bucket moves or roll rates this month.",
    ),
    "flow_rate": ("{from_bucket}→{to_bucket}", "{from_bucket}→{to_bucket}"),
    "aq_flow_cards_title": (
        "本月滚动率（按余额）、入催率与 M1 催回率",
        "This month's roll rates (by balance), entry rate and M1 cure rate",
    ),
    "flow_rate_help": (
        "滚动率 {from_bucket}→{to_bucket} = 上月末处于 {from_bucket} 、本月末处于 {to_bucket} "
        "的贷款本月末余额 / 上月末 {from_bucket} 贷款余额。",
        "Roll rate {from_bucket}→{to_bucket} = balance now of the loans in {from_bucket} at the "
        "previous month end and in {to_bucket} now / balance of {from_bucket} at the previous "
        "month end.",
    ),
    "entry_rate": ("入催率", "Entry rate"),
    "entry_rate_help": (
        "入催率 = 上月末处于 M0、本月末逾期（M1 及以上）的贷款本月末余额 / 上月末 M0 贷款余额。",
        "Entry rate = balance now of the loans current (M0) at the previous month end and "
        "overdue (M1 or worse) now / M0 balance at the previous month end.",
    ),
    "cure_rate": ("M1催回率", "M1 cure rate"),
    "cure_rate_help": (
        "M1 催回率 = 上月末处于 M1、本月末回到 M0 的贷款笔数 / 上月末 M1 贷款笔数。",
        "M1 cure rate = loans in M1 at the previous month end that are current (M0) now / "
        "loans in M1 at the previous month end.",
    ),
    "aq_transition_basis": ("迁移矩阵口径", "Matrix basis"),
    "basis_count": ("按笔数", "By count"),
    "basis_balance": ("按余额", "By balance"),
    "aq_transition_title": ("月度迁移矩阵（行占比）", "Month-on-month transitions (row shares)"),
    "aq_transition_caption": (
        "行：上月末（{previous}）逾期分档；列：本月末（{as_of}）逾期分档，或期间结清、核销、转让。"
        "单元格为占本行的比例（{basis}，余额为上月末余额）及笔数，每行合计 100%。",
        "Rows: bucket at the previous month end ({previous}); columns: bucket now ({as_of}), "
        "or settled, written off, transferred. Cells: share of the row ({basis}; balances at "
        "the previous month end) and loans; each row adds up to 100%.",
    ),
    "axis_from_bucket": ("上月末分档（{date}）", "Bucket at {date}"),
    "axis_to_bucket": ("本月末状态（{date}）", "State at {date}"),
    "aq_flow_trend_title": ("滚动率走势（按余额）", "Roll rates over time (by balance)"),
    "aq_flow_trend_caption": (
        "左图：M1→M2 起各档滚动率（按余额）与 M1 催回率（按笔数），M4 以后各档默认隐藏，"
        "点击图例可显示；右图：数值较小的 M0→M1 滚动率与入催率（按余额）。",
        "Left: roll rates from M1→M2 on (by balance) and the M1 cure rate (by count); those "
        "from M4 on start hidden, click them in the legend. Right: the small M0→M1 roll rate "
        "and entry rate (by balance).",
    ),
    "aq_no_flow_trend": (
        "所选期间内没有连续两个月末的数据，无法画出滚动率走势。",
        "No two consecutive month ends in the window: no roll-rate trend.",
    ),
    "aq_vintage": ("账龄分析（Vintage）", "Vintage analysis"),
    "aq_vintage_threshold": ("逾期阈值", "Threshold"),
    "threshold_label": ("逾期{days}天以上", "Over {days} days"),
    "aq_vintage_basis": ("口径", "Basis"),
    "basis_current_amount": ("当前逾期（按金额）", "Current delinquency (amount)"),
    "basis_ever_count": ("累计曾逾期（按笔数）", "Ever delinquent (count)"),
    "aq_vintage_cohorts": ("显示最近的放款批次数", "Latest cohorts shown"),
    "aq_vintage_caption_current_amount": (
        "每条线为一个放款月份（批次），横轴为账龄 MOB（放款当月末为 MOB 0）。"
        "当前逾期率 = 该批次 MOB n 时逾期{days}天以上贷款的余额 / 该批次合同金额合计。"
        "显示最近 {shown} 个批次（共 {total} 个），截至 {as_of}；"
        "颜色由深到浅为由早到晚的批次，图例按放款年份分组。",
        "One line per disbursement month (cohort); x = month on book (MOB 0 = the "
        "disbursement month end). Current delinquency = balance at MOB n of the cohort's loans "
        "over {days} days past due / the cohort's contract amount. The latest {shown} of "
        "{total} cohorts up to {as_of}; colours run from the oldest (dark) to the newest "
        "(light), the legend grouped by year.",
    ),
    "aq_vintage_caption_ever_count": (
        "每条线为一个放款月份（批次），横轴为账龄 MOB（放款当月末为 MOB 0）。"
        "累计曾逾期率 = 该批次在 MOB n 及之前曾逾期{days}天以上的贷款笔数 / 该批次贷款笔数。"
        "显示最近 {shown} 个批次（共 {total} 个），截至 {as_of}；"
        "颜色由深到浅为由早到晚的批次，图例按放款年份分组。",
        "One line per disbursement month (cohort); x = month on book (MOB 0 = the "
        "disbursement month end). Ever delinquent = the cohort's loans over {days} days past "
        "due at some MOB up to n / the cohort's loans. The latest {shown} of {total} cohorts "
        "up to {as_of}; colours run from the oldest (dark) to the newest (light), the legend "
        "grouped by year.",
    ),
    "aq_no_vintage": (
        "没有可分析的放款批次：只统计在数据起始月（{first}）及之后、{as_of} 之前放款的贷款，"
        "更早放款的批次缺少早期账龄数据。",
        "No cohort to show: only loans disbursed from the first month with data ({first}) up "
        "to {as_of} form cohorts; earlier cohorts lack their first months on book.",
    ),
    "axis_mob": ("账龄（MOB，月）", "Month on book (MOB)"),
    "axis_delinquency": ("逾期率", "Delinquency"),
    "cohort_year": ("{year}年", "{year}"),
    "aq_breaches": ("分类偏离清单", "Classification floor breaches"),
    "aq_breaches_caption": (
        "{as_of} 五级分类优于逾期天数所对应最低分类的在账贷款（逾期{floors}）。"
        "共 {count} 笔，余额 {balance}。",
        "Loans on the book at {as_of} classified better than their days past due allow: "
        "{floors}. Loans: {count}; balance {balance}.",
    ),
    "floor_rule": ("超过 {days} 天至少为{cls}类", "over {days} days at least {cls}"),
    "aq_no_breaches": (
        "{as_of} 没有分类偏离的贷款。",
        "No loan breaches its classification floor at {as_of}.",
    ),
    "download_xlsx": ("下载 Excel", "Download Excel"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "export_title": (
        "分类偏离清单 · {path} · 数据日期 {as_of}{filters} · 金额单位：元",
        "Classification floor breaches · {path} · data date {as_of}{filters} · amounts in CNY",
    ),
    "export_filters": ("（{filters}）", " ({filters})"),
    "col_loan_id": ("借据号", "Loan"),
    "col_customer_id": ("客户号", "Customer ID"),
    "col_customer_name": ("客户名称", "Customer"),
    "col_customer_type": ("客户类型", "Customer type"),
    "col_manager": ("客户经理", "Account manager"),
    "col_product": ("贷款品种", "Product"),
    "col_balance_yuan": ("余额（元）", "Balance (CNY)"),
    "col_dpd": ("逾期天数", "Days past due"),
    "col_reported_class": ("现分类", "Reported class"),
    "col_floor_class": ("应至少为", "Floor class"),
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

for _page_text in (
    inspection_text.TEXT,
    watchlist_text.TEXT,
    borrower_text.TEXT,
    hr_text.TEXT,
    auth_text.TEXT,
):
    if clash := _TEXT.keys() & _page_text.keys():
        raise KeyError(f"UI string keys defined twice: {sorted(clash)}")
    _TEXT.update(_page_text)

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
    "loan_status": {
        "active": "Active",
        "settled": "Settled",
        "written_off": "Written off",
        "transferred": "Transferred",
    },
    "customer_type": {
        "corporate": "Corporate",
        "individual": "Individual",
        "individual_business": "Individual business",
    },
    "product": {
        "working_capital": "Working capital",
        "fixed_asset": "Fixed asset",
        "personal_business": "Personal business",
        "personal_consumer": "Personal consumer",
        "mortgage": "Mortgage",
        "farmer": "Farmer",
        "other": "Other",
    },
    "guarantee_type": {
        "credit": "Unsecured",
        "guarantee": "Guaranteed",
        "mortgage": "Mortgage",
        "pledge": "Pledge",
    },
}

# GB/T 4754-2017 sections: the contract's industry codes are the bare letters.
_INDUSTRY_SECTIONS: dict[str, tuple[str, str]] = {
    "A": ("农、林、牧、渔业", "Agriculture, forestry, animal husbandry, fishery"),
    "B": ("采矿业", "Mining"),
    "C": ("制造业", "Manufacturing"),
    "D": ("电力、热力、燃气及水生产和供应业", "Electricity, heat, gas and water"),
    "E": ("建筑业", "Construction"),
    "F": ("批发和零售业", "Wholesale and retail"),
    "G": ("交通运输、仓储和邮政业", "Transport, storage and post"),
    "H": ("住宿和餐饮业", "Accommodation and catering"),
    "I": ("信息传输、软件和信息技术服务业", "Information technology services"),
    "J": ("金融业", "Finance"),
    "K": ("房地产业", "Real estate"),
    "L": ("租赁和商务服务业", "Leasing and business services"),
    "M": ("科学研究和技术服务业", "Research and technical services"),
    "N": ("水利、环境和公共设施管理业", "Water, environment and public facilities"),
    "O": ("居民服务、修理和其他服务业", "Household, repair and other services"),
    "P": ("教育", "Education"),
    "Q": ("卫生和社会工作", "Health and social work"),
    "R": ("文化、体育和娱乐业", "Culture, sports and entertainment"),
    "S": ("公共管理、社会保障和社会组织", "Public administration and social organisations"),
    "T": ("国际组织", "International organisations"),
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
    if codes == "industry_code" and code in _INDUSTRY_SECTIONS:
        zh, en = _INDUSTRY_SECTIONS[code]
        return f"{code} {zh if lang == 'zh-CN' else en}"
    if lang == "zh-CN":
        return CODE_LISTS[codes].get(code, code).split("/")[0]
    return _CODES_EN.get(codes, {}).get(code, code.replace("_", " "))


def entity_label(entity: str, lang: Lang) -> str:
    """An input entity's name: 借据 · Loans."""
    if lang == "zh-CN" and entity in ENTITIES:
        return ENTITIES[entity].label_zh
    return entity.replace("_", " ").capitalize()


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
