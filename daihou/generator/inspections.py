"""Post-loan inspections (贷后检查记录), driven by the rules of METRICS.md §5 and the manager.

What is owed follows the default ``InspectionRules``: a first visit and a fund-flow check per
loan, routine inspections per customer at the interval of its rating in force, a special
inspection per overdue episode and per red signal, collateral and guarantor checks now and
then. Whether and when each is done, how (method), with what report and sign-off, follows the
diligence profile of the manager responsible at the due date; the inspector is the manager
responsible on the inspection day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from daihou.generator.calendar import AS_OF_DAY, N_MONTHS, WINDOW_FIRST_MONTH, WorkingDays, month_of
from daihou.generator.diligence import Diligence
from daihou.generator.loans import GUARANTEE, SELF_PAY, Book
from daihou.generator.people import (
    BUSINESS,
    CORPORATE,
    RATINGS,
    RatingHistory,
    Responsibility,
    Staff,
)
from daihou.generator.writer import booleans, dates, pick
from daihou.settings import InspectionRules
from etl.contract import CODE_LISTS

KINDS = tuple(CODE_LISTS["inspection_type"])
K = {name: i for i, name in enumerate(KINDS)}
METHODS = tuple(CODE_LISTS["inspection_method"])  # onsite, offsite, phone, video
ONSITE, OFFSITE, PHONE, VIDEO = range(4)
# Method mix (onsite, offsite, phone, video) per kind where it does not depend on the customer.
METHOD_MIX = {
    "first": (0.7, 0.0, 0.2, 0.1),
    "fund_flow": (0.3, 0.7, 0.0, 0.0),
    "special": (0.8, 0.0, 0.1, 0.1),
    "collateral": (0.9, 0.0, 0.0, 0.1),
    "guarantor": (0.5, 0.2, 0.3, 0.0),
}
INDIVIDUAL_ROUTINE = (0.4, 0.15, 0.3, 0.15)
# Findings: (no risk found, risk found) per kind group.
FINDINGS = {
    "first": (
        ("借款人经营正常，贷款已按约定发放", "首次回访借款人，资料真实，还款意愿良好"),
        ("借款人实际经营与申报情况存在差异",),
    ),
    "fund_flow": (
        ("资金按合同约定用途支付", "受托支付凭证齐全，资金流向与用途一致"),
        ("部分资金流向与约定用途不符，疑似挪用", "资金转入关联方账户，需进一步核实"),
    ),
    "routine": (
        (
            "借款人生产经营稳定，未发现异常",
            "家庭收入稳定，按期还款",
            "经营正常，还款意愿良好",
            "财务状况良好，现金流正常",
        ),
        (
            "借款人经营困难，销售收入下滑",
            "借款人涉及民间借贷纠纷",
            "借款人联系困难",
            "应收账款回笼缓慢，资金紧张",
            "借款人家庭成员患病，收入减少",
        ),
    ),
    "special": (
        ("逾期系临时资金周转困难，已承诺近期还款",),
        (
            "借款人还款能力明显下降，建议加大催收力度",
            "借款人已停产，建议启动诉讼程序",
            "借款人失联，担保人代偿意愿弱",
        ),
    ),
    "collateral": (("抵押物状况良好，权证齐全",), ("抵押物价值下降，需追加担保",)),
    "guarantor": (("保证人经营正常，担保能力充足",), ("保证人涉诉，担保能力减弱",)),
}
FINDINGS_POOL = [text for name in KINDS for group in FINDINGS[name] for text in group]
FINDINGS_SIZE = np.array([len(group) for name in KINDS for group in FINDINGS[name]])
FINDINGS_START = np.cumsum(FINDINGS_SIZE) - FINDINGS_SIZE  # per (kind, risk found) slot
DIVERSION = 0.015  # share of fund-flow checks that find the money diverted
RISK_BASE = {"first": 0.02, "fund_flow": 0.0, "routine": 0.03, "special": 0.75,
             "collateral": 0.05, "guarantor": 0.06}  # fmt: skip


@dataclass
class Planned:
    """Inspections to be done: customer, loan (-1 for none), kind, due day, earliest day."""

    customer: np.ndarray
    loan: np.ndarray
    kind: np.ndarray
    due: np.ndarray
    earliest: np.ndarray


@dataclass
class Done:
    """Inspections done (before reports and reviewers are added)."""

    customer: np.ndarray
    loan: np.ndarray
    kind: np.ndarray
    day: np.ndarray
    method: np.ndarray
    risk: np.ndarray  # risk found, decided already (fund diversion); others decided later


def _gamma_days(rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
    """Positive delays around a mean, with a long right tail."""
    return (1 + rng.gamma(2.0, np.maximum(mean - 1, 0.5) / 2.0)).astype(np.int32)


def _mix(rng: np.random.Generator, probs: tuple[float, ...], n: int) -> np.ndarray:
    return rng.choice(len(probs), n, p=np.array(probs) / sum(probs))


class Inspector:
    """Turns obligations into inspections done by the responsible managers."""

    def __init__(
        self,
        rng: np.random.Generator,
        rules: InspectionRules,
        workdays: WorkingDays,
        book: Book,
        loan_end: np.ndarray,
        customer_type: np.ndarray,
        responsibility: Responsibility,
        diligence: Diligence,
    ) -> None:
        self.rng, self.rules, self.workdays = rng, rules, workdays
        self.book, self.loan_end = book, loan_end
        self.customer_type = customer_type
        self.responsibility, self.diligence = responsibility, diligence
        self.done: list[Done] = []

    def loan_checks(self) -> Done:
        """First visits and fund-flow checks of every loan (returned: fund-flow checks)."""
        book, rules = self.book, self.rules
        n = len(book)
        loans = np.arange(n)
        first_due = book.disb_day + np.where(
            book.payment == SELF_PAY, rules.first_due_days_self_pay, rules.first_due_days
        )
        flow_due = self.workdays.add(book.disb_day, rules.fund_flow_due_working_days)
        first = Planned(book.customer, loans, np.full(n, K["first"]), first_due, book.disb_day)
        flow = Planned(
            book.customer, loans, np.full(n, K["fund_flow"]), flow_due, book.disb_day + 1
        )
        rarely = self.diligence.routine_skip_prob * 0.5  # loan checks are skipped less often
        self.perform(first, rarely)
        return self.perform(flow, rarely)

    def special(self, customer: np.ndarray, loan: np.ndarray, trigger: np.ndarray) -> None:
        """Special inspections on or after a trigger: an overdue episode of a loan, or a red
        signal on the customer (loan -1)."""
        due = trigger + self.rules.special_due_days
        planned = Planned(customer, loan, np.full(len(loan), K["special"]), due, trigger)
        self.perform(planned, self.diligence.special_skip_prob)

    def perform(self, p: Planned, skip_prob: np.ndarray) -> Done:
        """Decide per obligation whether, when and how the responsible manager does it
        (``skip_prob``: per staff member, the chance of not doing it at all)."""
        rng, dil = self.rng, self.diligence
        manager = self.responsibility.at(p.customer, p.due)
        n = len(p.due)
        skipped = rng.random(n) < skip_prob[manager]
        on_time = rng.random(n) < dil.on_time_prob[manager]
        window = np.maximum(p.due - p.earliest, 0)
        early_day = p.earliest + (rng.random(n) * (window + 1)).astype(np.int32)
        day = np.where(on_time, early_day, p.due + _gamma_days(rng, dil.mean_late_days[manager]))
        end = np.where(p.loan >= 0, self.loan_end[np.maximum(p.loan, 0)], AS_OF_DAY)
        ok = ~skipped & (day <= np.minimum(end, AS_OF_DAY))
        method = np.zeros(n, dtype=np.int64)
        for name, probs in METHOD_MIX.items():
            members = np.flatnonzero(p.kind == K[name])
            method[members] = _mix(rng, probs, len(members))
        found = (p.kind[ok] == K["fund_flow"]) & (rng.random(int(ok.sum())) < DIVERSION)
        done = Done(
            p.customer[ok], p.loan[ok], p.kind[ok], day[ok].astype(np.int32), method[ok], found
        )
        self.done.append(done)
        return done

    def routine(self, ratings: RatingHistory, first_day: np.ndarray, last_day: np.ndarray) -> None:
        """Routine inspections of each customer from its first disbursement while on the book:
        the next is due one interval (by the rating in force) after the previous one done, or
        after the previous due date when that one was skipped (METRICS.md §5)."""
        rng, dil = self.rng, self.diligence
        interval_of = np.array([self.rules.routine_interval_days[r] for r in RATINGS])
        end = np.minimum(last_day, AS_OF_DAY)
        prev = first_day.copy()
        alive = np.flatnonzero(prev < end)
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        while len(alive):
            interval = interval_of[ratings.at(alive, prev[alive])]
            due = prev[alive] + interval
            inside = due <= end[alive]
            alive, due, interval = alive[inside], due[inside], interval[inside]
            manager = self.responsibility.at(alive, due)
            skipped = rng.random(len(alive)) < dil.routine_skip_prob[manager]
            on_time = rng.random(len(alive)) < dil.on_time_prob[manager]
            early = (rng.random(len(alive)) * 0.25 * interval).astype(np.int32)
            day = np.where(
                on_time, due - early, due + _gamma_days(rng, dil.mean_late_days[manager])
            )
            day = np.maximum(day, prev[alive] + 1)
            done = ~skipped & (day <= end[alive])
            parts.append((alive[done], day[done]))
            prev[alive] = np.where(skipped, due, day)
            alive = alive[prev[alive] < end[alive]]
        customer = np.concatenate([c for c, _ in parts]) if parts else np.zeros(0, np.int64)
        day = np.concatenate([d for _, d in parts]) if parts else np.zeros(0, np.int32)
        n = len(customer)
        method = self._routine_method(customer, day)
        self.done.append(
            Done(customer, np.full(n, -1), np.full(n, K["routine"]), day, method, np.zeros(n, bool))
        )
        self._guarantor(customer, day)

    def _routine_method(self, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Corporate: on site (phone for phone-prone managers); businesses on site or by video;
        individuals any way."""
        rng = self.rng
        n = len(customer)
        manager = self.responsibility.at(customer, day)
        phone = rng.random(n) < self.diligence.phone_corporate_prob[manager]
        ctype = self.customer_type[customer]
        individual = _mix(rng, INDIVIDUAL_ROUTINE, n)
        business = np.where(rng.random(n) < 0.75, ONSITE, VIDEO)
        business = np.where(phone & (rng.random(n) < 0.5), PHONE, business)
        return np.select(
            [ctype == CORPORATE, ctype == BUSINESS],
            [np.where(phone, PHONE, ONSITE), business],
            individual,
        )

    def _guarantor(self, customer: np.ndarray, day: np.ndarray) -> None:
        """Guarantors are checked with some routine inspections of guarantee-loan customers."""
        book = self.book
        guaranteed = book.guarantee == GUARANTEE
        # the customer's first guarantee loan (loans are ordered by customer)
        g_loans = np.flatnonzero(guaranteed)
        g_cust = book.customer[g_loans]
        pos = np.searchsorted(g_cust, customer)
        has = (pos < len(g_cust)) & (g_cust[np.minimum(pos, len(g_cust) - 1)] == customer)
        manager = self.responsibility.at(customer, day)
        chosen = has & (
            self.rng.random(len(customer)) < 0.2 + 0.6 * self.diligence.on_time_prob[manager]
        )
        loan = g_loans[np.minimum(pos, len(g_cust) - 1)][chosen]
        when = day[chosen] + self.rng.integers(0, 6, chosen.sum()).astype(np.int32)
        ok = (when >= book.disb_day[loan]) & (when <= np.minimum(self.loan_end[loan], AS_OF_DAY))
        n = int(ok.sum())
        method = _mix(self.rng, METHOD_MIX["guarantor"], n)
        kind = np.full(n, K["guarantor"])
        self.done.append(
            Done(customer[chosen][ok], loan[ok], kind, when[ok], method, np.zeros(n, bool))
        )

    def collateral(self, loan: np.ndarray, day: np.ndarray) -> None:
        """Collateral inspections found by the collateral module (loan, day)."""
        n = len(loan)
        method = _mix(self.rng, METHOD_MIX["collateral"], n)
        customer = self.book.customer[loan]
        kind = np.full(n, K["collateral"])
        self.done.append(
            Done(customer, loan, kind, day.astype(np.int32), method, np.zeros(n, bool))
        )

    def rows(
        self,
        staff: Staff,
        customer_dpd: np.ndarray,
        customer_z: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """Everything done, sorted by day, with inspector, report, reviewer and findings."""
        rng, dil = self.rng, self.diligence
        customer = np.concatenate([d.customer for d in self.done])
        loan = np.concatenate([d.loan for d in self.done])
        kind = np.concatenate([d.kind for d in self.done])
        day = np.concatenate([d.day for d in self.done])
        method = np.concatenate([d.method for d in self.done])
        forced = np.concatenate([d.risk for d in self.done])
        order = np.lexsort((loan, kind, customer, day))
        customer, loan, kind, day, method, forced = (
            a[order] for a in (customer, loan, kind, day, method, forced)
        )
        n = len(day)

        inspector = self.responsibility.at(customer, day)
        no_report = rng.random(n) < dil.report_skip_prob[inspector]
        delay = 1 + rng.poisson(np.maximum(dil.report_delay_days[inspector] - 1, 0))
        report = day + delay
        no_report |= report > AS_OF_DAY
        reviewed = rng.random(n) < dil.reviewer_prob[inspector]
        org = staff.org[inspector]
        reviewer = np.where(rng.random(n) < 0.7, staff.head_of_org[org], staff.risk_of_org[org])
        reviewer = np.where(reviewed & ~no_report, reviewer, -1)

        mi = month_of(day) - WINDOW_FIRST_MONTH
        inside = (mi >= 0) & (mi < N_MONTHS)
        in_arrears = np.zeros(n, dtype=bool)
        in_arrears[inside] = customer_dpd[customer[inside], mi[inside]] > 0
        base = np.array([RISK_BASE[k] for k in KINDS])[kind]
        p_risk = base + 0.5 * in_arrears + 0.05 * (customer_z[customer] > 1.5)
        risk = forced | (rng.random(n) < np.minimum(p_risk, 0.95))
        slot = 2 * kind + risk
        text = FINDINGS_START[slot] + (rng.random(n) * FINDINGS_SIZE[slot]).astype(np.int64)
        no_text = no_report & (rng.random(n) < 0.7)
        return {
            "customer": customer,
            "loan": loan,
            "staff": inspector,
            "day": day,
            "kind": kind,
            "method": method,
            "report_day": np.where(no_report, -1, report),
            "risk": risk,
            "findings": np.where(no_text, -1, text),
            "reviewer": reviewer,
        }


def inspection_rows(
    r: dict[str, np.ndarray],
    inspection_id: pa.Array,
    customer_id: pa.Array,
    loan_id: pa.Array,
    staff_id: pa.Array,
) -> dict[str, pa.Array]:
    """Rows of inspections.csv."""
    no_loan, no_report, no_text = r["loan"] < 0, r["report_day"] < 0, r["findings"] < 0
    return {
        "inspection_id": inspection_id,
        "customer_id": customer_id.take(r["customer"]),
        "loan_id": pick(loan_id, np.maximum(r["loan"], 0), null=no_loan),
        "staff_id": staff_id.take(r["staff"]),
        "inspection_date": dates(r["day"]),
        "inspection_type": pick(KINDS, r["kind"]),
        "method": pick(METHODS, r["method"]),
        "report_date": dates(np.maximum(r["report_day"], 0), null=no_report),
        "risk_found": booleans(r["risk"]),
        "findings": pick(FINDINGS_POOL, np.maximum(r["findings"], 0), null=no_text),
        "reviewer_id": pick(staff_id, np.maximum(r["reviewer"], 0), null=r["reviewer"] < 0),
    }
