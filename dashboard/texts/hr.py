"""Strings of the HR page (绩效考核) and its exports: key -> (Chinese, English); see
dashboard.i18n. Every key starts with ``hr_``.

Per component c of metrics.scores.COMPONENTS: ``hr_component_<c>`` (its name),
``hr_numerator_<c>`` / ``hr_denominator_<c>`` / ``hr_raw_<c>`` (what its raw figure is made of),
``hr_definition_<c>`` (the raw figure) and ``hr_rule_<c>`` (the scoring rule, taking the
configured ``{target}`` / ``{cap}`` / ``{days}``). ``hr_reason_<code>`` for each not-rated
reason of metrics.scores and each bonus reason of metrics.bonus.REASONS.
"""

TEXT: dict[str, tuple[str, str]] = {
    "page_hr": ("绩效考核", "Performance"),
    "hr_title": ("{org} · 贷后管理考核", "{org} · Post-loan performance"),
    "hr_caption": (
        "{path}；考核期间 {start}（不含）至 {end}。每项指标的原始数、得分和权重见下表，"
        "综合得分 = Σ 得分 × 有效权重 ÷ 100；责任归属随管户变化逐月划分。只显示笔数、金额和得分，"
        "不显示借款人信息。",
        "{path}; period after {start} up to {end}. Each component's raw figure, score and "
        "weight are shown below; total = Σ score × effective weight ÷ 100; responsibility "
        "follows who managed each loan month by month. Counts, amounts and scores only: no "
        "borrower is named.",
    ),
    "hr_period_kind": ("考核周期", "Period length"),
    "hr_kind_month": ("月度", "Month"),
    "hr_kind_quarter": ("季度", "Quarter"),
    "hr_kind_year": ("年度", "Year"),
    "hr_period": ("考核期间", "Period"),
    "hr_no_period": (
        "数据仓库中还没有完整的考核期间。",
        "No complete period in the warehouse yet.",
    ),
    "hr_config": ("考核口径与参数（当前配置）", "Definitions and the configuration in force"),
    "hr_kpi_rated": ("参评人数", "Rated"),
    "hr_kpi_rated_help": (
        "有足够数据参加考核的客户经理人数。",
        "Account managers with enough data to be rated.",
    ),
    "hr_kpi_not_rated": ("不参评人数", "Not rated"),
    "hr_kpi_not_rated_help": (
        "到期应检查不足且无管户贷款，或没有任何有数据的指标。",
        "Too few obligations and no loans, or no component with data.",
    ),
    "hr_kpi_mean": ("平均得分", "Mean score"),
    "hr_kpi_mean_help": ("参评人员综合得分的平均数。", "Mean total score of the rated."),
    "hr_kpi_eligible": ("≥ {threshold} 分人数", "Scoring ≥ {threshold}"),
    "hr_kpi_eligible_help": (
        "综合得分达到奖金分配门槛 {threshold} 分的人数。",
        "Rated managers at or above the bonus threshold of {threshold}.",
    ),
    "hr_ranking": ("考核排名", "Ranking"),
    "hr_ranking_caption": (
        "按综合得分由高到低排名；“较上期”为与 {previous} 相比的分数变化。",
        "Best total first; the change compares with {previous}.",
    ),
    "hr_tab_managers": ("客户经理", "Account managers"),
    "hr_tab_orgs": ("下辖机构", "Sub-units"),
    "hr_col_org_id": ("机构号", "Org ID"),
    "hr_col_change": ("较上期", "Change"),
    "hr_col_component": ("考核指标", "Component"),
    "hr_col_numerator": ("分子", "Numerator"),
    "hr_col_denominator": ("分母", "Denominator"),
    "hr_col_raw": ("原始值", "Raw figure"),
    "hr_col_effective_weight": ("有效权重", "Effective weight"),
    "hr_col_points": ("计入总分", "Adds to total"),
    "hr_col_obligation_status": ("状态", "Status"),
    "hr_col_days_late_or_overdue": ("逾期天数", "Days late / overdue"),
    "hr_obligation_on_time": ("按时完成", "on time"),
    "hr_obligation_late": ("逾期完成", "late"),
    "hr_obligation_overdue": ("逾期未做", "overdue"),
    "hr_obligation_pending": ("未到期", "pending"),
    "hr_hist_hover": ("得分 %{x}：%{y} 人", "score %{x}: %{y} managers"),
    "hr_threshold_mark": ("分配门槛 {threshold}", "bonus threshold {threshold}"),
    "hr_axis_managers": ("人数", "Managers"),
    "hr_breakdown": ("个人得分明细", "One person's score explained"),
    "hr_pick_manager": ("客户经理", "Account manager"),
    "hr_breakdown_caption": ("综合得分 {total}（{status}）。", "Total {total} ({status})."),
    "hr_obligations_title": (
        "检查及时性所依据的 {n} 项到期检查义务",
        "The {n} obligations behind timeliness",
    ),
    "hr_items_asset_quality": (
        "资产质量所依据的 {n} 笔期末管户贷款",
        "The {n} loans behind asset quality",
    ),
    "hr_items_migration": (
        "下迁控制所依据的 {n} 笔期初正常类、关注类贷款",
        "The {n} loans behind migration",
    ),
    "hr_items_recovery": (
        "清收成效所依据的 {n} 笔期初不良或逾期 90 天以上贷款",
        "The {n} loans behind recovery",
    ),
    "hr_items_warning_handling": (
        "预警处置所依据的 {n} 条预警信号",
        "The {n} signals behind warning handling",
    ),
    "hr_col_loan": ("借据号", "Loan"),
    "hr_col_signal": ("信号编号", "Signal"),
    "hr_bonus": ("奖金分配", "Bonus allocation"),
    "hr_pool": ("奖金池（元）", "Bonus pool (CNY)"),
    "hr_pool_help": (
        "输入本机构（含下辖机构）本期的奖金总额，精确到分。",
        "The pool for this org subtree and period, to the fen.",
    ),
    "hr_bonus_caption": (
        "奖金池 {pool} 元按综合得分在 ≥ {threshold} 分的参评人员间分配，精确到分且合计等于奖金池；"
        "其中 {deferred} 递延发放。",
        "The pool of CNY {pool} is split by score among the rated scoring ≥ {threshold}, to the "
        "fen and adding up to the pool; {deferred} of each share is deferred.",
    ),
    "hr_download_xlsx": ("下载考核表 Excel", "Download Excel"),
    "hr_download_csv": ("下载评分 CSV", "Download scores CSV"),
    "hr_export_title": ("{org} 贷后管理考核 {period}", "{org} post-loan performance {period}"),
    # components
    "hr_component_timeliness": ("检查及时性", "Inspection timeliness"),
    "hr_component_report_quality": ("报告质量", "Report quality"),
    "hr_component_asset_quality": ("资产质量", "Asset quality"),
    "hr_component_migration": ("下迁控制", "Downward migration"),
    "hr_component_recovery": ("清收成效", "Recovery"),
    "hr_component_warning_handling": ("预警处置", "Warning handling"),
    "hr_numerator_timeliness": ("按时完成数", "On time"),
    "hr_denominator_timeliness": ("到期应检查数", "Due"),
    "hr_raw_timeliness": ("按时率", "On-time rate"),
    "hr_numerator_report_quality": ("合格报告数", "Good reports"),
    "hr_denominator_report_quality": ("检查次数", "Inspections"),
    "hr_raw_report_quality": ("合格率", "Share"),
    "hr_numerator_asset_quality": ("不良贷款余额（元）", "NPL balance (yuan)"),
    "hr_denominator_asset_quality": ("贷款余额（元）", "Balance (yuan)"),
    "hr_raw_asset_quality": ("不良贷款率", "NPL ratio"),
    "hr_numerator_migration": ("下迁余额（元）", "Migrated (yuan)"),
    "hr_denominator_migration": ("正常及关注类余额（元）", "Performing (yuan)"),
    "hr_raw_migration": ("下迁率", "Migration rate"),
    "hr_numerator_recovery": ("清收金额（元）", "Recovered (yuan)"),
    "hr_denominator_recovery": ("期初待清收余额（元）", "To recover (yuan)"),
    "hr_raw_recovery": ("清收率", "Recovery rate"),
    "hr_numerator_warning_handling": ("按时处置数", "Resolved in time"),
    "hr_denominator_warning_handling": ("预警信号数", "Signals"),
    "hr_raw_warning_handling": ("处置率", "Resolution rate"),
    "hr_score": ("得分", "Score"),
    "hr_weight": ("权重（%）", "Weight (%)"),
    "hr_component_column": ("{component}·{what}", "{component}: {what}"),
    # raw figures and scoring rules, as configured
    "hr_definition_timeliness": (
        "考核期内到期的贷后检查义务中按时完成的比例 = 按时完成数 / 到期应检查数；"
        "义务归属到期日的管户客户经理。",
        "Share of the inspection obligations due in the period that were done on time = on "
        "time / due; an obligation belongs to the loan's manager at its due date.",
    ),
    "hr_rule_timeliness": ("得分 = 按时率 × 100", "Score = on-time rate × 100"),
    "hr_definition_report_quality": (
        "本人在考核期内所做检查中，按时提交报告且有复核人的比例。",
        "Share of the manager's own inspections in the period with a timely report and a reviewer.",
    ),
    "hr_rule_report_quality": ("得分 = 合格率 × 100", "Score = share × 100"),
    "hr_definition_asset_quality": (
        "期末管户贷款的不良贷款率 = (次级 + 可疑 + 损失)余额 / 贷款余额。",
        "NPL ratio of the loans managed at the period end = (substandard + doubtful + loss) "
        "balance / balance.",
    ),
    "hr_rule_asset_quality": (
        "不良贷款率不高于 {target} 得 100 分，高于目标后线性递减，达到 {cap} 为 0 分",
        "100 at or below {target}, falling linearly to 0 at {cap}",
    ),
    "hr_definition_migration": (
        "期初正常类、关注类管户贷款在考核期末成为不良的余额 / 这些贷款的期末余额"
        "（正常贷款迁徙率）；期间换手的贷款按管户月数分摊。",
        "Closing balance of the normal and special-mention loans at the period start that are "
        "NPL at its end / their closing balance (performing-loan migration rate); a loan "
        "handed over is split by the months each manager held it.",
    ),
    "hr_rule_migration": (
        "下迁率为 0 得 100 分，线性递减，达到 {cap} 为 0 分",
        "100 at 0%, falling linearly to 0 at {cap}",
    ),
    "hr_definition_recovery": (
        "期初不良或逾期 90 天以上的管户贷款在考核期内的清收金额（无清收记录的按余额下降计）"
        " / 这些贷款的期初余额；期间换手的贷款按管户月数分摊。",
        "Amount recovered in the period on the loans that were NPL or more than 90 days past "
        "due at its start (the fall in balance where no recovery is recorded) / their balance "
        "at the start; a loan handed over is split by the months each manager held it.",
    ),
    "hr_rule_recovery": (
        "得分 = 清收率 / {target} × 100，最高 100 分",
        "Score = recovery rate / {target} × 100, at most 100",
    ),
    "hr_definition_warning_handling": (
        "考核期内管户客户新发预警信号中，{days} 天内解除的比例；信号归属发出时的管户客户经理。",
        "Share of the warning signals raised on the manager's customers in the period that "
        "were resolved within {days} days; a signal belongs to the manager at its date.",
    ),
    "hr_rule_warning_handling": ("得分 = 处置率 × 100", "Score = resolution rate × 100"),
    # how the total and the bonus are made
    "hr_general_total": ("综合得分", "Total score"),
    "hr_general_total_rule": (
        "综合得分 = Σ 各项得分 × 权重 / 100，四舍五入保留两位小数。",
        "Total = Σ score × weight / 100, rounded half up to 2 decimals.",
    ),
    "hr_general_rescale": ("无数据的指标", "Components without data"),
    "hr_general_rescale_rule": (
        "某项指标没有基础数据（如无待清收贷款）时不计分，其余指标权重按比例放大至合计 100。",
        "A component without underlying data (e.g. nothing to recover) is left out and the "
        "other weights are rescaled to sum to 100.",
    ),
    "hr_general_not_rated": ("不参评", "Not rated"),
    "hr_general_not_rated_rule": (
        "考核期内到期应检查少于 {min} 次且期末无管户贷款的客户经理不参评。",
        "A manager with fewer than {min} obligations due in the period and no loans at its end "
        "is not rated.",
    ),
    "hr_general_bonus": ("奖金分配", "Bonus allocation"),
    "hr_general_bonus_rule": (
        "综合得分不低于 {threshold} 分的参评客户经理按得分占比分配奖金池；其余为 0。"
        "金额精确到分，用最大余额法使合计等于奖金池（余额相同时按工号从小到大）。",
        "Rated managers scoring at least {threshold} share the pool in proportion to their "
        "scores; the others get 0. Amounts are exact to the fen; the largest-remainder method "
        "makes them sum to the pool (equal remainders in ascending manager id).",
    ),
    "hr_general_deferral": ("递延发放", "Deferral"),
    "hr_general_deferral_rule": (
        "每人奖金的 {share} 递延发放（四舍五入到分），其余当期发放。",
        "{share} of each share is deferred (rounded half up to the fen); the rest is paid now.",
    ),
    # settings
    "hr_cfg_weight": ("权重：{component}", "Weight: {component}"),
    "hr_cfg_npl_target": ("不良贷款率目标", "NPL ratio target"),
    "hr_cfg_npl_cap": ("不良贷款率上限", "NPL ratio cap"),
    "hr_cfg_migration_cap": ("下迁率上限", "Migration rate cap"),
    "hr_cfg_recovery_target": ("清收率目标", "Recovery rate target"),
    "hr_cfg_signal_resolution_days": ("预警处置时限", "Signal resolution within"),
    "hr_cfg_min_obligations": ("参评最少应检查次数", "Minimum obligations to be rated"),
    "hr_cfg_bonus_threshold": ("奖金分配门槛", "Bonus threshold"),
    "hr_cfg_bonus_deferred_share": ("递延发放比例", "Deferred share"),
    "hr_days": ("{days} 天", "{days} days"),
    "hr_points": ("{points} 分", "{points} points"),
    # tables
    "hr_col_rank": ("排名", "Rank"),
    "hr_col_manager_id": ("工号", "Staff id"),
    "hr_col_manager": ("客户经理", "Account manager"),
    "hr_col_org": ("所属机构", "Institution"),
    "hr_col_total": ("综合得分", "Total score"),
    "hr_col_status": ("考核状态", "Status"),
    "hr_col_obligations": ("到期应检查数", "Obligations due"),
    "hr_col_loans": ("期末管户贷款笔数", "Loans at period end"),
    "hr_col_eligible": ("参与分配", "Eligible"),
    "hr_col_reason": ("未分配原因", "Reason for no bonus"),
    "hr_col_share": ("奖金（元）", "Bonus (yuan)"),
    "hr_col_paid_now": ("当期发放（元）", "Paid now (yuan)"),
    "hr_col_deferred": ("递延发放（元）", "Deferred (yuan)"),
    "hr_col_kind": ("类别", "Kind"),
    "hr_col_name": ("名称", "Name"),
    "hr_col_definition": ("口径", "Definition"),
    "hr_col_rule": ("评分规则或取值", "Scoring rule or value"),
    "hr_col_setting": ("配置项", "Setting"),
    "hr_kind_component": ("评分指标", "Component"),
    "hr_kind_rule": ("计分规则", "Rule"),
    "hr_kind_setting": ("参数", "Setting"),
    "hr_status_rated": ("参评", "Rated"),
    "hr_status_not_rated": ("不参评：{reason}", "Not rated: {reason}"),
    "hr_yes": ("是", "Yes"),
    "hr_no": ("否", "No"),
    "hr_total_row": ("合计", "Total"),
    # reasons
    "hr_reason_few_obligations": (
        "到期应检查不足且无管户贷款",
        "too few obligations and no loans",
    ),
    "hr_reason_no_data": ("无可计分的指标", "no component with data"),
    "hr_reason_not_rated": ("未参评", "not rated"),
    "hr_reason_below_threshold": ("低于分配门槛", "below the threshold"),
    # export sheets and header lines
    "hr_sheet_scores": ("评分明细", "Scores"),
    "hr_sheet_bonus": ("奖金分配", "Bonus"),
    "hr_sheet_definitions": ("口径与参数", "Definitions"),
    "hr_as_of_line": ("数据日期：{as_of}", "Data as of: {as_of}"),
    "hr_generated_line": ("生成时间：{at}", "Generated: {at}"),
    "hr_config_line": ("配置：{items}", "Configuration: {items}"),
    "hr_config_weights": ("权重 {items}", "weights {items}"),
    "hr_bonus_line": (
        "奖金池 {pool} 元；参与分配门槛 {threshold} 分；递延比例 {share}。",
        "Pool {pool} yuan; threshold {threshold} points; deferred share {share}.",
    ),
    "hr_unallocated_line": (
        "无人达到分配条件，奖金池 {pool} 元未分配。",
        "Nobody is eligible: the pool of {pool} yuan is not allocated.",
    ),
    "hr_definitions_title": ("{title} · 口径与参数", "{title} · Definitions and settings"),
}
