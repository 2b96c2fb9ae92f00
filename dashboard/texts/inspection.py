"""Strings of the inspection page (贷后检查): key -> (Chinese, English); see dashboard.i18n.

Keys other than the page title start with ``ins_``, except the borrower-link help shared by
every page that lists customers.
"""

TEXT: dict[str, tuple[str, str]] = {
    "page_inspection": ("贷后检查", "Inspections"),
    "open_borrower_help": (
        "点击客户号，在新标签页打开客户视图。",
        "Click a customer id to open the borrower file in a new tab.",
    ),
    "ins_title": ("{org} · 贷后检查", "{org} · Post-loan inspections"),
    "ins_caption": (
        "{path}；数据日期 {as_of}。应检查事项由贷款、快照、客户、预警信号和押品按检查规则推算，"
        "再与已做的检查逐项匹配；责任归到期日当时的管户客户经理和入账机构。",
        "{path}; data as of {as_of}. What was owed is derived from loans, snapshots, customers, "
        "warning signals and collateral by the inspection rules, then matched with the "
        "inspections done; responsibility lies with the loan's manager and "
        "booking institution at the due date.",
    ),
    "ins_period": ("统计期间", "Period"),
    "ins_period_month": ("本月", "Month"),
    "ins_period_quarter": ("本季度", "Quarter to date"),
    "ins_period_year": ("本年", "Year to date"),
    "ins_period_last12": ("近12个月", "Last 12 months"),
    "ins_period_caption": (
        "统计到期日在 {start}（不含）至 {end} 之间的检查义务，状态按 {as_of} 计。",
        "Obligations due after {start} up to {end}, status as of {as_of}.",
    ),
    "ins_rules": (
        "检查规则：首次检查在放款后 {first} 天内（自主支付 {self_pay} 天内）；资金流向"
        " {fund_flow} 个工作日内；定期检查间隔 {intervals}；特别检查 {special} 天内；押品每 "
        "{collateral} 天重估；报告 {report} 个工作日内提交并经复核。",
        "Rules: first inspection within {first} days of disbursement ({self_pay} when the "
        "borrower pays by itself); fund flow within {fund_flow} working days; routine every "
        "{intervals}; special within {special} days; collateral revalued every {collateral} "
        "days; report within {report} working days, reviewed.",
    ),
    "ins_unrated": ("未评级", "unrated"),
    "ins_rules_title": ("检查规则（可在配置中调整）", "Inspection rules (configurable)"),
    "ins_delta_caption": (
        "变化为与上一期（{start} 至 {end}）相比。",
        "Changes compare with the previous period ({start} to {end}).",
    ),
    "ins_kpi_due": ("应检查（笔）", "Due"),
    "ins_kpi_due_help": (
        "统计期间内到期（且不晚于数据日期）的检查义务笔数。",
        "Obligations falling due in the period, up to the data date.",
    ),
    "ins_kpi_on_time_rate": ("按时完成率", "On-time rate"),
    "ins_kpi_on_time_rate_help": (
        "按时完成 ÷ 应检查：{on_time} ÷ {due}。按时完成 = 到期日前（含）已做检查。",
        "On time ÷ due: {on_time} ÷ {due}. On time = done by the due date.",
    ),
    "ins_kpi_completion_rate": ("完成率", "Completion rate"),
    "ins_kpi_completion_rate_help": (
        "（按时 + 逾期完成）÷ 应检查：（{on_time} + {late}）÷ {due}。",
        "(On time + late) ÷ due: ({on_time} + {late}) ÷ {due}.",
    ),
    "ins_kpi_overdue": ("逾期未检查（笔）", "Overdue"),
    "ins_kpi_overdue_help": (
        "统计期间内到期、到数据日期仍未完成的检查义务；平均逾期完成 {avg_late} 天。",
        "Obligations due in the period still open at the data date; late ones were done "
        "{avg_late} days late on average.",
    ),
    "ins_kpi_backlog": ("逾期积压（笔）", "Overdue backlog"),
    "ins_kpi_backlog_help": (
        "数据日期时所有已过到期日仍未完成的检查义务（不限统计期间），最久已逾期 {oldest} 天。",
        "Every obligation open past its due date at the data date (any period); the oldest "
        "is {oldest} days overdue.",
    ),
    "ins_kpi_report_share": ("报告合格率", "Report quality"),
    "ins_kpi_report_share_help": (
        "统计期间内所做检查中，{days} 个工作日内提交报告且有复核人的占比：{good} ÷ {inspections}。",
        "Share of the inspections in the period with a report within {days} working days and "
        "a reviewer: {good} ÷ {inspections}.",
    ),
    "ins_by_org": ("各机构检查合规", "Compliance by institution"),
    "ins_by_org_caption": (
        "各下级机构（含其下属机构）的检查合规，点选一行可下钻。",
        "Each sub-unit (with its own sub-units); select a row to drill down.",
    ),
    "ins_by_manager": ("客户经理排名", "Account managers ranked"),
    "ins_by_manager_caption": (
        "按按时完成率由高到低排列（同率按应检查笔数）；报告合格率按其本人所做检查计。共 {n} 人。",
        "Ranked by on-time rate (then by obligations due); report quality counts the "
        "inspections they did themselves. {n} managers.",
    ),
    "ins_trend": ("月度趋势", "Monthly trend"),
    "ins_trend_caption": (
        "各月到期的检查义务及其截至 {as_of} 的完成情况。",
        "Obligations falling due each month and how they stood at {as_of}.",
    ),
    "ins_by_kind": ("按检查类型", "By kind of inspection"),
    "ins_backlog": ("逾期未检查清单", "Overdue backlog"),
    "ins_backlog_caption": (
        "截至 {as_of} 已过到期日仍未完成的检查义务共 {total} 笔，按逾期天数由多到少列出{shown}。",
        "{total} obligations open past their due date at {as_of}, most overdue first{shown}.",
    ),
    "ins_shown_first": (
        "（显示前 {n} 笔，下载可得前 {export} 笔）",
        " (first {n} shown; the download holds up to {export})",
    ),
    "ins_no_backlog": ("截至 {as_of} 没有逾期未检查的事项。", "Nothing overdue at {as_of}."),
    "ins_due_soon": ("即将到期", "Falling due soon"),
    "ins_due_soon_days": ("未来天数", "Days ahead"),
    "ins_due_soon_caption": (
        "{as_of} 之后 {days} 天内到期、尚未完成的检查义务 {n} 笔，按到期日排列。",
        "{n} open obligations falling due within {days} days after {as_of}, soonest first.",
    ),
    "ins_no_due_soon": (
        "{as_of} 之后 {days} 天内没有到期的检查义务。",
        "Nothing falls due within {days} days after {as_of}.",
    ),
    "ins_report": ("检查报告质量", "Report quality"),
    "ins_report_caption": (
        "统计期间内所做检查 {inspections} 次：无报告 {without} 次，"
        "报告超过 {days} 个工作日 {late} 次，无复核人 {unreviewed} 次。"
        "检查归属检查人员及其所在机构。",
        "{inspections} inspections in the period: {without} without a report, {late} with a "
        "report after {days} working days, {unreviewed} without a reviewer. An inspection "
        "belongs to its inspector and the inspector's institution.",
    ),
    "ins_no_report_issues": (
        "统计期间内的检查报告均合格。",
        "Every report in the period is in order.",
    ),
    "ins_col_due": ("应检查", "Due"),
    "ins_col_on_time": ("按时", "On time"),
    "ins_col_late": ("逾期完成", "Late"),
    "ins_col_overdue": ("逾期未做", "Overdue"),
    "ins_col_on_time_rate": ("按时完成率", "On-time rate"),
    "ins_col_completion_rate": ("完成率", "Completion rate"),
    "ins_col_avg_days_late": ("平均逾期天数", "Avg days late"),
    "ins_col_backlog": ("逾期积压", "Backlog"),
    "ins_col_oldest": ("最久逾期（天）", "Oldest (days)"),
    "ins_col_rank": ("名次", "Rank"),
    "ins_col_staff_id": ("工号", "Staff ID"),
    "ins_col_report_share": ("报告合格率", "Report quality"),
    "ins_col_inspections": ("所做检查", "Inspections done"),
    "ins_col_kind": ("检查类型", "Kind"),
    "ins_col_trigger_date": ("起算日", "Triggered"),
    "ins_col_due_date": ("到期日", "Due date"),
    "ins_col_days_overdue": ("已逾期（天）", "Days overdue"),
    "ins_col_days_left": ("剩余天数", "Days left"),
    "ins_col_inspection_id": ("检查编号", "Inspection"),
    "ins_col_inspection_date": ("检查日期", "Date"),
    "ins_col_method": ("检查方式", "Method"),
    "ins_col_inspector": ("检查人员", "Inspector"),
    "ins_col_report_date": ("报告日期", "Report"),
    "ins_col_report_days": ("报告用时（工作日）", "Report (working days)"),
    "ins_col_problem": ("问题", "Problem"),
    "ins_problem_without_report": ("无报告", "no report"),
    "ins_problem_late_report": ("报告超时", "late report"),
    "ins_problem_without_reviewer": ("无复核人", "no reviewer"),
    "ins_axis_obligations": ("应检查（笔）", "Obligations due"),
    "ins_days_list": ("{days} 天", "{days} days"),
    "ins_interval": ("{ratings} {days} 天", "{days} days for {ratings}"),
    "ins_export_title": (
        "{what} · {path} · 数据日期 {as_of}",
        "{what} · {path} · data as of {as_of}",
    ),
}
