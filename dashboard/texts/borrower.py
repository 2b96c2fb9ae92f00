"""Strings of the borrower page: key -> (Chinese, English); see dashboard.i18n.

Keys other than the page title start with ``bw_`` so that they never clash with other pages'.
"""

TEXT: dict[str, tuple[str, str]] = {
    "page_borrower": ("客户视图", "Borrower file"),
    # search and refusal
    "bw_search": ("查找客户", "Find a customer"),
    "bw_search_placeholder": ("输入客户号或客户名称", "Customer id or name"),
    "bw_search_help": (
        "客户号可输入完整号码或开头部分，名称可输入其中任意部分；只在“{org}”及其下级机构有贷款的"
        "客户中查找。",
        "A whole customer id or its beginning, or any part of the name; searches the customers "
        "with a loan booked at “{org}” or below.",
    ),
    "bw_pick": ("查找结果（{n} 位）", "Matches ({n})"),
    "bw_pick_placeholder": ("请选择客户", "Choose a customer"),
    "bw_pick_more": (
        "只列出前 {n} 位，请输入更完整的客户号或名称。",
        "Only the first {n} are listed: type more of the id or name.",
    ),
    "bw_no_match": (
        "在“{org}”范围内没有找到与“{text}”相符的客户。",
        "No customer of “{org}” matches “{text}”.",
    ),
    "bw_start": (
        "请输入客户号或客户名称查找客户；也可从风险预警、检查合规、资产质量等页面的客户清单点开客户。",
        "Type a customer id or name to find a customer, or open one from a customer list on "
        "another page (watch list, inspections, asset quality).",
    ),
    "bw_refused": (
        "客户“{customer}”不存在，或在您的权限范围（{org}）内没有贷款，无法查看。",
        "Customer “{customer}” does not exist or has no loan within your scope ({org}); it "
        "cannot be shown.",
    ),
    "bw_caption": (
        "客户号 {customer} · 数据日期 {as_of} · 以下为截至数据日期的情况",
        "Customer {customer} · data date {as_of} · as known at the data date",
    ),
    # identity
    "bw_identity": ("基本信息", "Identity"),
    "bw_customer_id": ("客户号", "Customer id"),
    "bw_customer_type": ("客户类型", "Customer type"),
    "bw_id_number": ("证件号码", "ID number"),
    "bw_industry": ("行业门类", "Industry"),
    "bw_region": ("地区", "Region"),
    "bw_rating": ("信用等级", "Credit rating"),
    "bw_rating_value": ("{rating}（评级日期 {date}）", "{rating} (rated {date})"),
    "bw_rating_then": (
        "；数据日期时为 {rating}（{date}）",
        "; at the data date {rating} ({date})",
    ),
    "bw_manager": ("管户客户经理", "Account manager"),
    "bw_org": ("管户机构", "Managing institution"),
    "bw_responsibility_help": (
        "按检查义务的归属规则：取数据日期及以前最近一个月末余额最大的借据（{loan}，{date}）的"
        "管户客户经理和经办机构。",
        "As obligations are attributed: the manager and booking institution of the largest "
        "loan ({loan}) at the latest month end on or before the data date ({date}).",
    ),
    "bw_no_manager": ("（尚无快照）", "(no snapshot yet)"),
    # KPIs
    "bw_kpi_loans": ("在账贷款笔数", "Loans on the book"),
    "bw_kpi_balance": ("贷款余额", "Balance"),
    "bw_kpi_npl": ("不良贷款余额", "NPL balance"),
    "bw_kpi_worst": ("最差五级分类", "Worst class"),
    "bw_kpi_dpd": ("最长逾期天数", "Most days past due"),
    "bw_kpi_coverage": ("押品覆盖率", "Collateral coverage"),
    "bw_kpi_signals": ("未解除预警", "Unresolved signals"),
    "bw_kpi_overdue": ("逾期未做检查", "Inspections overdue"),
    "bw_kpi_loans_help": (
        "数据日期月末状态为正常在账且余额大于 0 的借据。",
        "Loans active with a balance above 0 at the data date.",
    ),
    "bw_kpi_coverage_help": (
        "押品覆盖率 = 在账担保借据的押品最新评估价值合计 / 这些借据的余额合计。",
        "Coverage = latest appraised value of the collateral of secured loans on the book / "
        "their balance.",
    ),
    "bw_kpi_overdue_help": (
        "已过应完成日期仍未完成的检查义务（首次、资金流向、定期、特别检查，押品重估）。",
        "Obligations past their due date and not yet met (first, fund flow, routine, special, "
        "collateral revaluation).",
    ),
    "bw_days": ("{n} 天", "{n} days"),
    # rating history
    "bw_ratings": ("评级历史", "Rating history"),
    "bw_no_ratings": ("数据日期前没有评级记录。", "No rating dated up to the data date."),
    "bw_col_rating_date": ("评级日期", "Rated on"),
    "bw_col_rating": ("信用等级", "Rating"),
    "bw_col_rating_change": ("变动", "Change"),
    "bw_up": ("↑ 上调", "↑ up"),
    "bw_down": ("↓ 下调", "↓ down"),
    # loans
    "bw_loans": ("借据", "Loans"),
    "bw_loans_caption": (
        "数据日期前发放的全部借据及其在数据日期（或之前最近一个月末）的状态。"
        "分类下限：按逾期天数至少应归入的五级分类；报告分类好于下限即为分类偏离。",
        "Every loan disbursed by the data date, with its state at the data date (or the "
        "latest month end before it). Floor: the class its days past due require at least; "
        "a reported class better than that is a floor breach.",
    ),
    "bw_no_loans": ("数据日期前没有发放的借据。", "No loan disbursed by the data date."),
    "bw_col_loan": ("借据号", "Loan"),
    "bw_col_product": ("贷款品种", "Product"),
    "bw_col_booking_org": ("经办机构", "Booked at"),
    "bw_col_contract": ("合同金额（{unit}）", "Contract ({unit})"),
    "bw_col_disbursed": ("发放日期", "Disbursed"),
    "bw_col_maturity": ("到期日期", "Matures"),
    "bw_col_rate": ("年利率", "Rate"),
    "bw_col_guarantee": ("担保方式", "Guarantee"),
    "bw_col_balance": ("余额（{unit}）", "Balance ({unit})"),
    "bw_col_class": ("五级分类", "Class"),
    "bw_col_floor": ("分类下限", "Floor"),
    "bw_col_dpd": ("逾期天数", "Days past due"),
    "bw_col_overdue_principal": ("逾期本金（{unit}）", "Overdue principal ({unit})"),
    "bw_col_arrears": ("欠息（{unit}）", "Interest arrears ({unit})"),
    "bw_col_loan_status": ("状态", "Status"),
    "bw_col_snapshot": ("快照日期", "Snapshot"),
    "bw_col_manager": ("管户客户经理", "Account manager"),
    "bw_breach": ("分类偏离", "Floor breach"),
    # history chart
    "bw_history": ("借据月度走势", "Monthly history of a loan"),
    "bw_history_caption": (
        "每个月末的余额（柱，颜色为当月五级分类）和逾期天数（折线，右轴）。",
        "Balance at each month end (bars, coloured by the class that month) and days past due "
        "(line, right axis).",
    ),
    "bw_history_pick": ("借据", "Loan"),
    "bw_history_label": ("{loan} · {product} · {status}", "{loan} · {product} · {status}"),
    "bw_history_ever_overdue": ("曾逾期 {n} 天", "up to {n} days past due"),
    "bw_axis_dpd": ("逾期天数", "Days past due"),
    "bw_overdue_principal": ("逾期本金", "Overdue principal"),
    "bw_no_history": (
        "这笔借据在数据日期前没有月末快照。",
        "This loan has no month-end snapshot yet.",
    ),
    # obligations and inspections
    "bw_obligations": ("检查义务与检查记录", "Inspection obligations and inspections"),
    "bw_obligations_caption": (
        "按贷后检查规则应做的检查（首次检查、资金流向、定期检查、特别检查、押品重估）及其在数据日期的"
        "完成情况：按时完成、逾期完成、逾期未完成、未到期。图中灰线为应做期间（触发日至应完成日），"
        "菱形为应完成日，圆点为完成日；最下一行为实际检查记录。",
        "What the post-loan rules required (first visit, fund flow, routine, special, collateral "
        "revaluation) and its state at the data date: on time, late, overdue, pending. Grey "
        "lines: from trigger to due date; diamonds: due dates; dots: when met. The bottom row "
        "holds the inspections done.",
    ),
    "bw_no_obligations": (
        "数据日期前没有应做的检查义务。",
        "Nothing was owed up to the data date.",
    ),
    "bw_obligation_table": ("检查义务（按应完成日期倒序）", "Obligations (latest due first)"),
    "bw_status_on_time": ("按时完成", "On time"),
    "bw_status_late": ("逾期完成", "Late"),
    "bw_status_overdue": ("逾期未完成", "Overdue"),
    "bw_status_pending": ("未到期", "Pending"),
    "bw_kind_first": ("首次检查", "First visit"),
    "bw_kind_fund_flow": ("资金流向检查", "Fund flow"),
    "bw_kind_routine": ("定期检查", "Routine"),
    "bw_kind_special": ("特别检查", "Special"),
    "bw_kind_collateral": ("押品重估", "Collateral revaluation"),
    "bw_inspections_row": ("检查记录", "Inspections"),
    "bw_inspection_met": ("检查（完成了义务）", "Inspection (met an obligation)"),
    "bw_inspection_unmatched": ("检查（未对应义务）", "Inspection (met none)"),
    "bw_reason_disbursement": ("借据 {ref} 发放", "loan {ref} disbursed"),
    "bw_reason_interval": ("按评级间隔", "rating interval"),
    "bw_reason_overdue": ("借据 {ref} 逾期", "loan {ref} overdue"),
    "bw_reason_signal": ("预警信号 {ref}", "warning signal {ref}"),
    "bw_reason_appraisal": ("押品 {ref} 上次评估", "collateral {ref} last appraised"),
    "bw_by_appraisal": ("重新评估", "new appraisal"),
    "bw_as_of_line": ("数据日期", "data date"),
    "bw_col_kind": ("检查类别", "Kind"),
    "bw_col_reason": ("起因", "Why owed"),
    "bw_col_trigger": ("触发日", "Triggered"),
    "bw_col_due": ("应完成日", "Due"),
    "bw_col_status": ("完成情况", "Status"),
    "bw_col_done": ("完成日", "Met on"),
    "bw_col_done_by": ("完成方式", "Met by"),
    "bw_col_days": ("逾期天数", "Days late / overdue"),
    "bw_col_responsible": ("责任客户经理", "Responsible manager"),
    "bw_inspections": ("检查记录", "Inspections done"),
    "bw_inspections_caption": (
        "数据日期前的全部检查（含未对应任何检查义务的检查）。报告合格：检查后 {days} 个工作日内"
        "提交报告且经审核。",
        "Every inspection up to the data date, also those that met no obligation. Good report: "
        "filed within {days} working days of the inspection, and reviewed.",
    ),
    "bw_no_inspections": ("数据日期前没有检查记录。", "No inspection up to the data date."),
    "bw_col_inspection_date": ("检查日期", "Date"),
    "bw_col_inspection_type": ("检查类型", "Type"),
    "bw_col_method": ("检查方式", "Method"),
    "bw_col_inspector": ("检查人", "Inspector"),
    "bw_col_report_date": ("报告日期", "Report"),
    "bw_col_report_days": ("报告用时（工作日）", "Working days to report"),
    "bw_col_reviewer": ("审核人", "Reviewer"),
    "bw_col_report_ok": ("报告合格", "Good report"),
    "bw_col_risk": ("发现风险", "Risk found"),
    "bw_col_findings": ("检查结论", "Findings"),
    "bw_col_satisfied": ("完成的检查义务", "Obligations met"),
    "bw_none_met": ("—（未对应义务）", "— (none)"),
    "bw_yes": ("是", "yes"),
    "bw_no": ("否", "no"),
    # signals
    "bw_signals": ("风险预警信号", "Warning signals"),
    "bw_signals_caption": (
        "数据日期前发现的预警信号及其在数据日期的处置状态；"
        "持续天数 = 解除日期（未解除的到数据日期）− 发现日期。",
        "Signals raised up to the data date and their handling then; days open = resolution "
        "date (or the data date while unresolved) − signal date.",
    ),
    "bw_no_signals": ("数据日期前没有预警信号。", "No warning signal up to the data date."),
    "bw_col_signal_date": ("发现日期", "Raised"),
    "bw_col_signal_type": ("信号类型", "Type"),
    "bw_col_severity": ("等级", "Severity"),
    "bw_col_source": ("来源", "Source"),
    "bw_col_signal_status": ("处置状态", "Handling"),
    "bw_col_resolved": ("解除日期", "Resolved"),
    "bw_col_days_open": ("持续天数", "Days open"),
    "bw_col_handler": ("处置人", "Handler"),
    # collateral
    "bw_collateral": ("押品与覆盖率", "Collateral and coverage"),
    "bw_collateral_caption": (
        "押品按数据日期前最近一次评估计价；借据在账而超过 {days} 天未重估的标为“待重估”。"
        "覆盖率 = 押品最新评估价值 / 担保借据在数据日期的余额，低于 100% 即押品不足。",
        "Collateral at its latest appraisal up to the data date; “due” when its loan is on the "
        "book and it was not "
        "revalued for {days} days. Coverage = latest appraised value / the secured loan's "
        "balance at the data date; below 100% the collateral falls short.",
    ),
    "bw_no_collateral": ("没有押品记录。", "No collateral recorded."),
    "bw_kpi_appraised": ("在账借据押品价值", "Collateral of loans on the book"),
    "bw_kpi_secured": ("担保借据余额", "Secured balance"),
    "bw_coverage_table": ("各担保借据覆盖率", "Coverage by secured loan"),
    "bw_items_table": ("押品", "Collateral items"),
    "bw_appraisal_history": ("评估历史（{n} 次）", "Appraisal history ({n})"),
    "bw_col_collateral": ("押品编号", "Item"),
    "bw_col_collateral_type": ("押品类型", "Type"),
    "bw_col_value": ("最新评估价值（{unit}）", "Latest value ({unit})"),
    "bw_col_first_value": ("首次评估价值（{unit}）", "First value ({unit})"),
    "bw_col_appraisal_date": ("最近评估日期", "Last appraised"),
    "bw_col_appraisals": ("评估次数", "Appraisals"),
    "bw_col_revaluation_due": ("应重估日期", "Revaluation due"),
    "bw_col_stale": ("重估", "Revaluation"),
    "bw_stale": ("待重估", "due"),
    "bw_col_items": ("押品数", "Items"),
    "bw_col_coverage": ("覆盖率", "Coverage"),
    "bw_col_appraised_on": ("评估日期", "Appraised on"),
    "bw_col_appraised_value": ("评估价值（{unit}）", "Value ({unit})"),
    "bw_col_change": ("较上次变动（{unit}）", "Change ({unit})"),
    "bw_no_coverage": (
        "数据日期没有在账的担保借据。",
        "No secured loan on the book at the data date.",
    ),
    # collections
    "bw_collections": ("催收记录", "Collection actions"),
    "bw_collections_caption": (
        "数据日期前对该客户借据的催收，最近的在前。",
        "Collection actions on the customer's loans up to the data date, latest first.",
    ),
    "bw_no_collections": ("数据日期前没有催收记录。", "No collection action up to the data date."),
    "bw_kpi_actions": ("催收次数", "Actions"),
    "bw_kpi_recovered": ("收回金额", "Recovered"),
    "bw_col_action_date": ("催收日期", "Date"),
    "bw_col_channel": ("方式", "Channel"),
    "bw_col_outcome": ("结果", "Outcome"),
    "bw_col_recovered": ("收回金额（元）", "Recovered (CNY)"),
    "bw_col_collector": ("催收人", "Collector"),
}
