"""The input data contract (shared/spec/DATA_CONTRACT.md) as data.

One place holds every entity, column, type, code list, Chinese alias and reference, so that the
reader, the validator, the generator and the UI labels cannot drift apart. Additions to the
public contract are marked ``extension``; nothing here renames or removes a contract field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ColType(StrEnum):
    TEXT = "text"
    DATE = "date"
    AMOUNT = "amount"  # CNY yuan, up to 2 decimals, >= 0
    INTEGER = "integer"
    NUMBER = "number"  # a non-negative decimal (e.g. an interest rate)
    BOOLEAN = "boolean"
    CODE = "code"  # one value of a code list


@dataclass(frozen=True)
class Column:
    name: str
    alias_zh: str
    type: ColType
    nullable: bool = False
    codes: str | None = None  # name of a code list in CODE_LISTS
    ref: str | None = None  # entity whose key this column references


@dataclass(frozen=True)
class Entity:
    name: str
    label_zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool
    kind: str  # "reference" (latest delivery of a key wins) or "fact"
    extension: bool = False
    notes: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


# Code lists: code -> Chinese label shown in the UI. The first label before a "/" is the short one.
CODE_LISTS: dict[str, dict[str, str]] = {
    "org_level": {
        "head_office": "总行/省联社",
        "branch": "分行/县联社",
        "sub_branch": "支行/信用社",
    },
    "staff_role": {
        "account_manager": "客户经理",
        "post_loan_officer": "贷后管理员",
        "risk_manager": "风险经理",
        "branch_head": "行长/主任",
        "other": "其他",
    },
    "customer_type": {
        "corporate": "法人",
        "individual": "个人",
        "individual_business": "个体工商户/小微",
    },
    "industry_code": {c: c for c in "ABCDEFGHIJKLMNOPQRST"},
    "credit_rating": {
        "AAA": "AAA",
        "AA": "AA",
        "A": "A",
        "BBB": "BBB",
        "BB": "BB",
        "B": "B",
        "CCC": "CCC",
        "CC": "CC",
        "C": "C",
        "unrated": "未评级",
    },
    "product": {
        "working_capital": "流动资金",
        "fixed_asset": "固定资产",
        "personal_business": "个人经营",
        "personal_consumer": "个人消费",
        "mortgage": "个人住房",
        "farmer": "农户",
        "other": "其他",
    },
    "guarantee_type": {
        "credit": "信用",
        "guarantee": "保证",
        "mortgage": "抵押",
        "pledge": "质押",
    },
    "payment_mode": {"entrusted": "受托支付", "self": "自主支付"},
    "classification": {
        "normal": "正常",
        "special_mention": "关注",
        "substandard": "次级",
        "doubtful": "可疑",
        "loss": "损失",
    },
    "loan_status": {
        "active": "正常在账",
        "settled": "结清",
        "written_off": "核销",
        "transferred": "转让/批量转让",
    },
    "inspection_type": {
        "first": "首次检查",
        "fund_flow": "资金流向",
        "routine": "定期检查",
        "special": "特别检查",
        "collateral": "押品检查",
        "guarantor": "保证人检查",
    },
    "inspection_method": {"onsite": "现场", "offsite": "非现场", "phone": "电话", "video": "视频"},
    "signal_type": {
        "overdue": "逾期",
        "interest_arrears": "欠息",
        "fund_diversion": "资金挪用",
        "account_anomaly": "账户异常",
        "court_enforcement": "被执行/涉诉",
        "licence_abnormal": "工商异常",
        "collateral_impairment": "押品减值",
        "guarantor_risk": "担保人风险",
        "management_change": "重大人事变动",
        "lost_contact": "失联",
        "other": "其他",
    },
    "severity": {"red": "红", "orange": "橙", "yellow": "黄"},
    "signal_source": {"system": "系统", "manual": "人工", "external": "外部数据"},
    "signal_status": {"open": "未处置", "handling": "处置中", "resolved": "已解除"},
    "collateral_type": {
        "real_estate": "房产",
        "land": "土地",
        "equipment": "设备",
        "deposit": "存单",
        "receivables": "应收账款",
        "other": "其他",
    },
    "collection_channel": {
        "sms": "短信",
        "phone": "电话",
        "visit": "上门",
        "notice": "催收通知书",
        "legal": "诉讼",
    },
    "collection_outcome": {
        "promise_to_pay": "承诺还款",
        "paid": "已还款",
        "no_contact": "未联系上",
        "refused": "拒绝",
        "other": "其他",
    },
}

# The five classes in order from best to worst; NPL = the last three (DOMAIN.md).
CLASSES: tuple[str, ...] = tuple(CODE_LISTS["classification"])
NPL_CLASSES: tuple[str, ...] = ("substandard", "doubtful", "loss")
LEAVING_STATUSES: tuple[str, ...] = ("settled", "written_off", "transferred")

T, D, A, I, N, B, C = (  # noqa: E741 - short names keep the tables below readable
    ColType.TEXT,
    ColType.DATE,
    ColType.AMOUNT,
    ColType.INTEGER,
    ColType.NUMBER,
    ColType.BOOLEAN,
    ColType.CODE,
)

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity(
            "org_units",
            "机构",
            (
                Column("org_id", "机构号", T),
                Column("org_name", "机构名称", T),
                Column("level", "机构层级", C, codes="org_level"),
                Column("parent_org_id", "上级机构号", T, nullable=True, ref="org_units"),
            ),
            key=("org_id",),
            required=True,
            kind="reference",
        ),
        Entity(
            "staff",
            "员工",
            (
                Column("staff_id", "员工号", T),
                Column("staff_name", "姓名", T),
                Column("org_id", "所属机构号", T, ref="org_units"),
                Column("role", "岗位", C, codes="staff_role"),
                Column("hire_date", "入职日期", D),
                Column("leave_date", "离职日期", D, nullable=True),
            ),
            key=("staff_id",),
            required=True,
            kind="reference",
        ),
        Entity(
            "customers",
            "客户",
            (
                Column("customer_id", "客户号", T),
                Column("customer_name", "客户名称", T),
                Column("customer_type", "客户类型", C, codes="customer_type"),
                Column("id_number", "证件号码", T),
                Column("industry_code", "行业门类", C, nullable=True, codes="industry_code"),
                Column("region", "地区", T, nullable=True),
                Column("credit_rating", "信用等级", C, codes="credit_rating"),
                Column("rating_date", "评级日期", D, nullable=True),
            ),
            key=("customer_id",),
            required=True,
            kind="reference",
        ),
        Entity(
            "loans",
            "借据",
            (
                Column("loan_id", "借据号", T),
                Column("customer_id", "客户号", T, ref="customers"),
                Column("org_id", "经办机构号", T, ref="org_units"),
                Column("product", "贷款品种", C, codes="product"),
                Column("contract_amount", "合同金额", A),
                Column("disbursement_date", "发放日期", D),
                Column("maturity_date", "到期日期", D),
                Column("interest_rate", "年利率%", N),
                Column("guarantee_type", "担保方式", C, codes="guarantee_type"),
                Column("payment_mode", "支付方式", C, codes="payment_mode"),
                Column("purpose", "用途", T, nullable=True),
            ),
            key=("loan_id",),
            required=True,
            kind="reference",
        ),
        Entity(
            "loan_snapshots",
            "月末借据快照",
            (
                Column("as_of_date", "数据日期", D),
                Column("loan_id", "借据号", T, ref="loans"),
                Column("manager_id", "管户客户经理", T, ref="staff"),
                Column("balance", "贷款余额", A),
                Column("classification", "五级分类", C, codes="classification"),
                Column("days_past_due", "逾期天数", I),
                Column("overdue_principal", "逾期本金", A),
                Column("interest_arrears", "欠息", A),
                Column("status", "状态", C, codes="loan_status"),
            ),
            key=("as_of_date", "loan_id"),
            required=True,
            kind="fact",
        ),
        Entity(
            "inspections",
            "贷后检查记录",
            (
                Column("inspection_id", "检查编号", T),
                Column("customer_id", "客户号", T, ref="customers"),
                Column("loan_id", "借据号", T, nullable=True, ref="loans"),
                Column("staff_id", "检查人", T, ref="staff"),
                Column("inspection_date", "检查日期", D),
                Column("inspection_type", "检查类型", C, codes="inspection_type"),
                Column("method", "检查方式", C, codes="inspection_method"),
                Column("report_date", "报告日期", D, nullable=True),
                Column("risk_found", "发现风险", B),
                Column("findings", "检查结论", T, nullable=True),
                Column("reviewer_id", "审核人", T, nullable=True, ref="staff"),
            ),
            key=("inspection_id",),
            required=True,
            kind="fact",
        ),
        Entity(
            "warning_signals",
            "风险预警信号",
            (
                Column("signal_id", "信号编号", T),
                Column("customer_id", "客户号", T, ref="customers"),
                Column("loan_id", "借据号", T, nullable=True, ref="loans"),
                Column("signal_date", "发现日期", D),
                Column("signal_type", "信号类型", C, codes="signal_type"),
                Column("severity", "等级", C, codes="severity"),
                Column("source", "来源", C, codes="signal_source"),
                Column("status", "处置状态", C, codes="signal_status"),
                Column("resolved_date", "解除日期", D, nullable=True),
                Column("handler_id", "处置人", T, nullable=True, ref="staff"),
            ),
            key=("signal_id",),
            required=False,
            kind="fact",
        ),
        Entity(
            "collateral",
            "押品",
            (
                Column("collateral_id", "押品编号", T),
                Column("loan_id", "借据号", T, ref="loans"),
                Column("collateral_type", "押品类型", C, codes="collateral_type"),
                Column("appraised_value", "评估价值", A),
                Column("appraisal_date", "评估日期", D),
            ),
            key=("collateral_id", "appraisal_date"),
            required=False,
            kind="fact",
        ),
        Entity(
            "collection_actions",
            "催收记录",
            (
                Column("action_id", "催收编号", T),
                Column("loan_id", "借据号", T, ref="loans"),
                Column("staff_id", "催收人", T, ref="staff"),
                Column("action_date", "催收日期", D),
                Column("channel", "方式", C, codes="collection_channel"),
                Column("outcome", "结果", C, codes="collection_outcome"),
                Column("amount_recovered", "收回金额", A),
            ),
            key=("action_id",),
            required=False,
            kind="fact",
        ),
        Entity(
            "repayments",
            "还款计划与实还",
            (
                Column("loan_id", "借据号", T, ref="loans"),
                Column("installment_no", "期次", I),
                Column("due_date", "应还日期", D),
                Column("principal_due", "应还本金", A),
                Column("interest_due", "应还利息", A),
                Column("paid_date", "实还日期", D, nullable=True),
                Column("principal_paid", "实还本金", A),
                Column("interest_paid", "实还利息", A),
            ),
            key=("loan_id", "installment_no"),
            required=False,
            kind="fact",
        ),
        Entity(
            "customer_ratings",
            "客户评级历史",
            (
                Column("customer_id", "客户号", T, ref="customers"),
                Column("credit_rating", "信用等级", C, codes="credit_rating"),
                Column("rating_date", "评级日期", D),
            ),
            key=("customer_id", "rating_date"),
            required=False,
            kind="fact",
            extension=True,
            notes=(
                "Extension: earlier ratings of a customer, so that one delivery can carry a"
                " rating history. customers.csv keeps the rating in force.",
            ),
        ),
    )
}

# Load order: every entity comes after the entities it references.
LOAD_ORDER: tuple[str, ...] = (
    "org_units",
    "staff",
    "customers",
    "customer_ratings",
    "loans",
    "loan_snapshots",
    "inspections",
    "warning_signals",
    "collateral",
    "collection_actions",
    "repayments",
)

FILE_SUFFIXES: tuple[str, ...] = (".csv", ".parquet", ".xlsx")


def code_aliases(codes: str) -> dict[str, str]:
    """Accepted spelling -> code: the code itself and each part of its Chinese label."""
    aliases: dict[str, str] = {}
    for code, label in CODE_LISTS[codes].items():
        aliases[code] = code
        for part in label.split("/"):
            aliases.setdefault(part, code)
        aliases.setdefault(label, code)
    return aliases


def header_aliases(entity: Entity) -> dict[str, str]:
    """Accepted header -> canonical column name (English name or the Chinese alias)."""
    out: dict[str, str] = {}
    for col in entity.columns:
        out[col.name] = col.name
        out[col.alias_zh] = col.name
    return out
