"""Strings of the watch-list page (风险预警 / 问题客户清单): key -> (Chinese, English); see
dashboard.i18n. Keys other than the page title start with ``wl_``.

Trigger labels take the rule parameters (``{days}``, ``{months}``, ``{floor}``) so that they
say what the configured rule is; ``wl_trigger_<name>`` for each of metrics.watchlist.TRIGGERS.
"""

TEXT: dict[str, tuple[str, str]] = {
    "page_watchlist": ("风险预警", "Watch list"),
    "wl_title": ("{org} · 问题客户清单", "{org} · Problem borrowers"),
    "wl_caption": (
        "{path}；数据日期 {as_of}。客户在本机构（含下辖机构）有月末在账贷款即在范围内；"
        "贷款类触发项只看本范围内的贷款，预警信号和贷后检查按客户计。",
        "{path}; data as of {as_of}. A customer is in scope with a loan on the book booked "
        "here or below; loan triggers look at the loans in scope only, signals and "
        "inspections belong to the customer.",
    ),
    "wl_rules_title": ("评分规则", "How the score is made"),
    "wl_rules_intro": (
        "得分 = 触发项分值之和，按得分从高到低排列（同分按余额）。"
        "{high} 分及以上为高风险，{medium} 分及以上为中风险，其余为低风险。分值在配置中设定：",
        "Score = the sum of the points of the triggers that hold; the list is ordered by score "
        "(then balance). {high} points or more is high risk, {medium} or more medium, the rest "
        "low. Points come from the configuration:",
    ),
    "wl_rule_line": ("{label}：{points} 分", "{label}: {points} points"),
    "wl_rule_off": ("{label}：已关闭", "{label}: switched off"),
    "wl_rules_notes": (
        "逾期两档不叠加，只计较高一档；未处置含“处置中”；押品覆盖率 = 各押品最新评估价值之和 / "
        "贷款余额，按笔计算。",
        "The two overdue bands never add up; open signals include those being handled; "
        "collateral coverage = Σ latest appraised value of a loan's items / its balance, loan "
        "by loan.",
    ),
    # triggers
    "wl_trigger_red_signal": ("红色预警未解除", "Open red signal"),
    "wl_trigger_orange_signal": ("橙色预警未解除", "Open orange signal"),
    "wl_trigger_npl": ("不良贷款", "NPL loan"),
    "wl_trigger_downgrade": ("近{months}个月分类下调", "Downgraded in {months} months"),
    "wl_trigger_dpd_high": ("逾期{days}天以上", "Over {days} days past due"),
    "wl_trigger_dpd": ("逾期{days}天以内", "Up to {days} days past due"),
    "wl_trigger_floor_breach": ("分类偏离", "Classification floor breach"),
    "wl_trigger_overdue_obligation": (
        "定期/特别检查逾期超{days}天",
        "Routine/special inspection over {days} days late",
    ),
    "wl_trigger_collateral_gap": (
        "押品覆盖率低于{floor}或评估超{days}天",
        "Collateral coverage below {floor} or appraisal over {days} days old",
    ),
    # triggers in the list's table, where width is short
    "wl_short_red_signal": ("红色预警", "Red signal"),
    "wl_short_orange_signal": ("橙色预警", "Orange signal"),
    "wl_short_npl": ("不良", "NPL"),
    "wl_short_downgrade": ("分类下调", "Downgraded"),
    "wl_short_dpd_high": ("逾期>{days}天", "DPD>{days}"),
    "wl_short_dpd": ("逾期", "Past due"),
    "wl_short_floor_breach": ("分类偏离", "Floor breach"),
    "wl_short_overdue_obligation": ("检查逾期", "Inspection late"),
    "wl_short_collateral_gap": ("押品不足/评估过期", "Collateral"),
    "wl_col_triggers_help": (
        "触发的各项，含义见页首“评分规则”。",
        "The triggers that hold; see “How the score is made” at the top.",
    ),
    # severities
    "wl_severity_high": ("高", "High"),
    "wl_severity_medium": ("中", "Medium"),
    "wl_severity_low": ("低", "Low"),
    # filters
    "wl_filter_triggers": ("触发项", "Triggers"),
    "wl_filter_triggers_help": (
        "只看触发了所选任一项的客户；不选为全部。",
        "Customers with any of the chosen triggers; none chosen: all.",
    ),
    "wl_filter_triggers_placeholder": ("全部触发项", "All triggers"),
    "wl_filter_severity": ("风险等级", "Severity"),
    "wl_filter_manager": ("客户经理", "Account manager"),
    "wl_filter_manager_help": (
        "责任客户经理：客户在本范围内最大一笔贷款的管户客户经理。括号内为名单上的客户数。",
        "The responsible manager: the manager of the customer's largest loan in scope. In "
        "brackets: customers on the list.",
    ),
    "wl_manager_option": ("{name}（{count}）", "{name} ({count})"),
    "wl_filters_active": ("筛选：{filters}", "Filtered: {filters}"),
    # KPIs
    "wl_kpi_count": ("问题客户", "Customers on the list"),
    "wl_kpi_count_help": (
        "至少触发一项的客户数（按所选筛选）。",
        "Customers with at least one trigger (with the filters chosen).",
    ),
    "wl_kpi_balance": ("涉及余额", "Balance"),
    "wl_kpi_balance_help": (
        "名单上客户在本范围内的在账贷款余额合计。",
        "Σ balance of the listed customers' loans on the book in scope.",
    ),
    "wl_kpi_severity": ("{severity}风险客户", "{severity} risk"),
    "wl_kpi_severity_help": (
        "得分在 {band} 的客户数。",
        "Customers scoring {band}.",
    ),
    "wl_band_high": ("{high} 分及以上", "{high} points or more"),
    "wl_band_medium": ("{medium}–{high_less} 分", "{medium}–{high_less} points"),
    "wl_band_low": ("{medium_less} 分及以下", "{medium_less} points or less"),
    "wl_empty": (
        "{as_of} 没有符合条件的问题客户。",
        "No customer on the list at {as_of} with these filters.",
    ),
    # charts
    "wl_by_trigger": ("按触发项", "By trigger"),
    "wl_by_trigger_caption": (
        "每位客户可触发多项，各项人数之和大于名单人数。",
        "A customer may have several triggers: the bars add up to more than the list.",
    ),
    "wl_by_org": ("按下辖机构", "By sub-unit"),
    "wl_by_org_caption": (
        "客户归入其本范围内最大一笔贷款的入账机构。",
        "A customer counts where its largest loan in scope is booked.",
    ),
    "wl_by_manager": ("按客户经理", "By account manager"),
    "wl_by_manager_caption": (
        "名单客户最多的 {n} 位责任客户经理（共 {total} 位）。",
        "The {n} responsible managers with the most customers on the list (of {total}).",
    ),
    "wl_by_manager_caption_all": (
        "名单客户的 {n} 位责任客户经理。",
        "The {n} responsible managers of the customers on the list.",
    ),
    "wl_axis_customers": ("客户数", "Customers"),
    # table
    "wl_list": ("问题客户清单", "The list"),
    "wl_list_caption": (
        "共 {count} 位客户，按得分、余额排序。",
        "{count} customers, by score, then balance.",
    ),
    "wl_list_shown_first": (
        "共 {count} 位客户，页面显示得分最高的 {shown} 位；下载包含全部{export}。",
        "{count} customers; the page shows the {shown} with the highest scores, the download "
        "all of them{export}.",
    ),
    "wl_export_capped": ("（最多 {limit} 位）", " (at most {limit})"),
    "wl_col_customer": ("客户号", "Customer ID"),
    "wl_col_customer_name": ("客户名称", "Customer"),
    "wl_col_customer_type": ("客户类型", "Customer type"),
    "wl_col_severity": ("风险等级", "Severity"),
    "wl_col_score": ("得分", "Score"),
    "wl_col_triggers": ("触发项", "Triggers"),
    "wl_col_balance": ("余额（{unit}）", "Balance ({unit})"),
    "wl_col_balance_yuan": ("余额（元）", "Balance (CNY)"),
    "wl_col_loans": ("贷款笔数", "Loans"),
    "wl_col_worst_class": ("最差五级分类", "Worst class"),
    "wl_col_worst_dpd": ("最长逾期天数", "Max days past due"),
    "wl_col_signals": ("未解除红/橙预警", "Open red / orange"),
    "wl_col_overdue_days": ("检查最久逾期（天）", "Oldest overdue inspection (days)"),
    "wl_col_coverage": ("最低押品覆盖率", "Lowest collateral coverage"),
    "wl_col_manager": ("客户经理", "Account manager"),
    "wl_col_org": ("经办机构", "Booking institution"),
    "wl_export_title": (
        "问题客户清单 · {path} · 数据日期 {as_of}{filters} · 金额单位：元",
        "Problem borrowers · {path} · data date {as_of}{filters} · amounts in CNY",
    ),
    "wl_export_filters": ("（{filters}）", " ({filters})"),
}
