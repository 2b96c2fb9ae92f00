"""The monthly life of every loan: repayment, delinquency, classification and leaving the book.

One ``step`` advances all loans of a chunk by one month with array operations. Each loan keeps
the number of instalments it has paid; instalments are paid oldest first, so the unpaid ones
are always the range after that number and days past due, overdue principal and interest
arrears follow from the schedule in closed form. A current loan misses an instalment with a
per-loan monthly hazard (product, rating, branch, industry, vintage, manager, seasoning and a
rising macro trend); a delinquent one cures (pays everything), pays the oldest instalment, or
rolls on (dpd +~30), and the cure chance falls with the bucket. Loans that pay their last
instalment settle; some prepay; long-defaulted ones are written off (mostly at year end) or
sold in batch transfers. The months before the window are simulated too (burn-in), so the book
at the first month end already has arrears, non-performing loans and seasoned vintages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from daihou.generator.calendar import (
    NEVER,
    WINDOW_FIRST_MONTH,
    month_end,
    month_start,
)
from daihou.generator.loans import Book
from daihou.settings import AssetQualityRules
from etl.contract import CLASSES, CODE_LISTS

STATUSES = tuple(CODE_LISTS["loan_status"])
ACTIVE, SETTLED, WRITTEN_OFF, TRANSFERRED = range(len(STATUSES))
PENDING, GONE = -1, -2  # not yet disbursed; left the book in an earlier month
NORMAL, SPECIAL_MENTION, SUBSTANDARD, DOUBTFUL, LOSS = range(len(CLASSES))

# Classification floors by days past due (METRICS.md §1): dpd over the edge -> at least class.
# The default rules, not a bank's settings: a seed must always give the same bank.
_RULES = AssetQualityRules()
FLOORS = tuple((f.dpd_over, CLASSES.index(f.at_least)) for f in _RULES.classification_floors)
BUCKET_EDGES = np.array([0, *_RULES.bucket_upper_edges])  # M0 = 0, M1 = 1–30, …, M7+ > 180
# Monthly chances of a delinquent loan, by bucket M1 … M7+ at the previous month end.
CURE = np.array([0.55, 0.30, 0.18, 0.10, 0.07, 0.05, 0.025])  # pays all arrears
PARTIAL = np.array([0.10, 0.12, 0.10, 0.06, 0.05, 0.05, 0.04])  # pays the oldest instalment
WRITE_OFF = 0.03  # monthly chance for doubtful/loss loans over 270 dpd …
WRITE_OFF_DECEMBER = 0.2  # … and in December, when banks clean their books
TRANSFER = 0.25  # share of NPL loans over 180 dpd sold in a batch transfer
TRANSFER_MONTHS = frozenset((2023 - 1970) * 12 + m for m in (11, 17, 23, 29, 34))
BALLOON = 3.0  # bullet loans are likelier to miss the principal at maturity
WATCH_ENTER, WATCH_EXIT = 0.004, 0.12  # judgemental special mention without arrears
CONCEAL_ENTER, CONCEAL_STAY = 0.003, 0.6  # planted floor breaches (recorded in _truth)
UPGRADE = 0.35  # monthly chance that a loan whose arrears fell is upgraded by one class


def seasoning(age: np.ndarray) -> np.ndarray:
    """Delinquency by months on book: new loans rarely miss, it peaks in years 1–3."""
    return np.select([age <= 2, age <= 5, age <= 36], [0.3, 0.7, 1.0], 0.8)


def macro(month: int) -> float:
    """A slowly worsening economy: the hazard rises ~6% a year from 2023."""
    return max(1.4, 1.5 + 0.08 * (month - WINDOW_FIRST_MONTH) / 12)


def floor_class(dpd: np.ndarray) -> np.ndarray:
    """The best class the dpd floors allow."""
    out = np.zeros(len(dpd), dtype=np.int8)
    for over, at_least in FLOORS:
        out = np.where(dpd > over, np.int8(at_least), out)
    return out


def bucket(dpd: np.ndarray) -> np.ndarray:
    """0 for M0, 1 for M1 … 7 for M7+."""
    return np.searchsorted(BUCKET_EDGES, dpd, side="left")


@dataclass
class MonthResult:
    """What one window month produced, as parallel arrays (loan = chunk loan index)."""

    # snapshot rows
    loan: np.ndarray
    balance: np.ndarray
    classification: np.ndarray
    dpd: np.ndarray
    overdue: np.ndarray
    arrears: np.ndarray
    status: np.ndarray
    # instalments paid (first … last) on pay_day, or left unpaid at exit (pay_day -1)
    pay_loan: np.ndarray
    pay_first: np.ndarray
    pay_last: np.ndarray
    pay_day: np.ndarray
    pay_extra: np.ndarray  # principal prepaid on top of the instalment
    # loans chased this month: from start to end day, their dpd and what they paid (fen)
    chase_loan: np.ndarray
    chase_start: np.ndarray
    chase_end: np.ndarray
    chase_dpd: np.ndarray
    chase_paid: np.ndarray
    breaches: np.ndarray  # loans reported better than their floor (planted)


@dataclass(frozen=True)
class EpisodeTable:
    """Overdue episodes as the product sees them (METRICS.md §5): the trigger is the first month
    end with dpd > 0 after one with dpd = 0 (or the loan's first snapshot), dated as_of - dpd + 1;
    the end is the day of the payment that cured it or the month end the loan left (NEVER while
    open). Also the days an episode's dpd crossed 90, with that episode's end."""

    loan: np.ndarray
    day: np.ndarray
    principal: np.ndarray  # principal overdue at the trigger (else only interest)
    end_day: np.ndarray
    red_loan: np.ndarray
    red_day: np.ndarray
    red_end_day: np.ndarray


def _cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


@dataclass
class Episodes:
    """Episodes collected month by month (lists of arrays), numbered in order of trigger."""

    loan: list[np.ndarray] = field(default_factory=list)
    day: list[np.ndarray] = field(default_factory=list)
    principal: list[np.ndarray] = field(default_factory=list)
    end_id: list[np.ndarray] = field(default_factory=list)
    end_day: list[np.ndarray] = field(default_factory=list)
    red_loan: list[np.ndarray] = field(default_factory=list)
    red_day: list[np.ndarray] = field(default_factory=list)
    red_id: list[np.ndarray] = field(default_factory=list)  # the episode of each crossing
    count: int = 0

    def table(self) -> EpisodeTable:
        end_day = np.full(self.count, NEVER, dtype=np.int32)
        end_day[_cat(self.end_id, np.int64)] = _cat(self.end_day, np.int32)
        return EpisodeTable(
            loan=_cat(self.loan, np.int64),
            day=_cat(self.day, np.int32),
            principal=_cat(self.principal, bool),
            end_day=end_day,
            red_loan=_cat(self.red_loan, np.int64),
            red_day=_cat(self.red_day, np.int32),
            red_end_day=end_day[_cat(self.red_id, np.int64)],
        )


@dataclass
class Payments:
    """One month's repayment behaviour of the loans ``i`` that had instalments to pay."""

    i: np.ndarray
    age: np.ndarray  # months since disbursement = number of the instalment due this month
    due_now: np.ndarray  # instalments due by the month end
    paid0: np.ndarray  # instalments paid at the start of the month
    paid: np.ndarray  # … and at its end
    late: np.ndarray  # in arrears at the start of the month
    miss: np.ndarray  # was current and missed this month's instalment
    on_time: np.ndarray
    prepay: np.ndarray
    cure: np.ndarray  # paid all arrears
    partial: np.ndarray  # paid the oldest instalment
    due_day: np.ndarray  # due date of this month's instalment
    pay_day: np.ndarray  # when it paid (-1 when it did not)


class Simulation:
    """State of every loan of a chunk, advanced month by month."""

    def __init__(self, book: Book, rng: np.random.Generator) -> None:
        self.book = book
        self.rng = rng
        n = len(book)
        self.status = np.full(n, PENDING, dtype=np.int8)
        self.paid = np.zeros(n, dtype=np.int32)  # instalments paid
        self.cls = np.zeros(n, dtype=np.int8)
        self.dpd = np.zeros(n, dtype=np.int32)
        self.watch = np.zeros(n, dtype=bool)
        self.conceal = np.zeros(n, dtype=bool)
        self.episode = np.full(n, -1, dtype=np.int64)
        self.visible = np.zeros(n, dtype=bool)  # on the book at the previous window month end
        self.seen_dpd = np.zeros(n, dtype=np.int32)  # dpd in the previous window snapshot
        # riskier borrowers recover less often (relative to a typical monthly hazard of 0.6%)
        self.recovery = np.clip((book.hazard / 0.006) ** -0.3, 0.6, 1.4)
        self.exit_day = np.full(n, NEVER, dtype=np.int32)  # month end the loan left the book
        self.episodes = Episodes()

    def keep(self, mask: np.ndarray) -> None:
        """Drop loans (those that left the book before the window)."""
        self.book = self.book.take(mask)
        for name in ("status", "paid", "cls", "dpd", "watch", "conceal", "episode", "visible",
                     "seen_dpd", "recovery", "exit_day"):  # fmt: skip
            setattr(self, name, getattr(self, name)[mask])

    def step(self, m: int) -> MonthResult | None:
        """Advance one month; return the month's output for window months."""
        book = self.book
        end = int(month_end(m))
        new = np.flatnonzero((self.status == PENDING) & (book.disb_month == m))
        self.status[new] = ACTIVE
        p = self._pay(m)
        i = p.i
        settled = p.paid >= book.term[i]
        oldest = p.paid + 1
        overdue = ~settled & (oldest <= p.due_now)
        dpd = np.where(overdue, end - book.due_day(i, oldest), 0)

        # Long-defaulted loans are written off or sold, never in a month they paid something.
        u = self.rng.random(len(i))
        hopeless = overdue & ~(p.cure | p.partial)
        december = m % 12 == 11
        write_off = hopeless & (self.cls[i] >= DOUBTFUL) & (dpd > 270)
        write_off &= u < (WRITE_OFF_DECEMBER if december else WRITE_OFF)
        transfer = hopeless & ~write_off & (m in TRANSFER_MONTHS)
        transfer &= (self.cls[i] >= SUBSTANDARD) & (dpd > 180) & (u > 1 - TRANSFER)
        status = np.select(
            [settled, write_off, transfer], [SETTLED, WRITTEN_OFF, TRANSFERRED], ACTIVE
        ).astype(np.int8)
        leaving = status != ACTIVE
        cls = self._classify(i, dpd, status)
        dpd_prev = self.dpd[i]
        self.dpd[i] = np.where(leaving, 0, dpd)
        self.status[i] = np.where(leaving, GONE, ACTIVE)
        self.exit_day[i[leaving]] = end
        if m < WINDOW_FIRST_MONTH:
            return None
        return self._result(m, p, new, status, cls, np.where(leaving, 0, dpd), dpd_prev)

    def _pay(self, m: int) -> Payments:
        """Who pays what this month: current loans pay, miss or prepay their instalment;
        loans in arrears cure, pay the oldest instalment or roll on."""
        book, rng = self.book, self.rng
        start, end = int(month_start(m)), int(month_end(m))
        i = np.flatnonzero((self.status == ACTIVE) & (book.disb_month < m))
        age = m - book.disb_month[i]
        term = book.term[i]
        due_now = np.minimum(age, term)
        paid0 = self.paid[i]
        late = paid0 < np.minimum(age - 1, term)
        has_due = age <= term
        u = rng.random(len(i))

        hazard = book.hazard[i] * seasoning(age) * macro(m)
        hazard = np.where(book.bullet[i] & (age == term), hazard * BALLOON, hazard)
        prepay_p = np.where(age < term, book.prepay[i], 0.0)
        prepay = ~late & has_due & (u < prepay_p)
        miss = ~late & has_due & ~prepay & (u < prepay_p + hazard)
        on_time = ~late & has_due & ~prepay & ~miss
        b = np.clip(bucket(self.dpd[i]), 1, 7) - 1
        cure_p = CURE[b] * self.recovery[i]
        cure = late & (u < cure_p)
        partial = late & ~cure & (u < cure_p + PARTIAL[b])

        paid = np.where(on_time | cure, due_now, paid0)
        paid = np.where(partial, paid0 + 1, paid)
        paid = np.where(prepay, term, paid)
        self.paid[i] = paid

        due_day = book.due_day(i, np.maximum(age, 1))
        early = np.minimum(rng.integers(1, 4, len(i)), book.due_dom[i] - 1)
        early = np.where(rng.random(len(i)) < 0.1, early, 0)  # a few pay a day or three early
        after_due = due_day + (rng.random(len(i)) * (end - due_day + 1)).astype(np.int32)
        any_day = start + (rng.random(len(i)) * (end - start + 1)).astype(np.int32)
        pay_day = np.select(
            [on_time, prepay, cure | partial], [due_day - early, after_due, any_day], -1
        ).astype(np.int32)
        return Payments(
            i, age, due_now, paid0, paid, late, miss, on_time, prepay, cure, partial, due_day,
            pay_day,
        )  # fmt: skip

    def _result(
        self,
        m: int,
        p: Payments,
        new: np.ndarray,
        status: np.ndarray,
        cls: np.ndarray,
        dpd: np.ndarray,
        dpd_prev: np.ndarray,
    ) -> MonthResult:
        """Snapshot rows, instalment ranges and collection cases of a window month."""
        book, i = self.book, p.i
        start, end = int(month_start(m)), int(month_end(m))
        zeros = np.zeros(len(new), dtype=np.int32)
        # Snapshot rows: loans on the book (new ones included) and those leaving this month.
        rows = np.concatenate([i, new])
        k_paid = np.concatenate([p.paid, zeros])
        k_due = np.concatenate([p.due_now, zeros])
        row_status = np.concatenate([status, zeros.astype(np.int8)])
        on_book = row_status == ACTIVE
        balance = np.where(on_book, book.balance(rows, k_paid), 0)
        overdue = np.where(on_book, balance - book.balance(rows, k_due), 0)
        arrears = np.where(on_book, book.interest_sum(rows, k_paid + 1, k_due), 0)
        row_dpd = np.concatenate([dpd, zeros])
        cure_day = np.concatenate([np.where(p.cure, p.pay_day, -1), zeros - 1])
        self._track_episodes(rows, row_dpd, overdue, row_status, end, cure_day)

        # Instalments paid this month, and those left unpaid by a write-off or transfer.
        given_up = (status == WRITTEN_OFF) | (status == TRANSFERRED)
        regular = p.on_time | p.prepay
        first = np.where(regular, p.age, p.paid0 + 1)
        last = np.where(p.cure, p.due_now, first)
        first = np.where(given_up, p.paid + 1, first)
        last = np.where(given_up, p.due_now, last)
        ranges = (regular | p.cure | p.partial | given_up) & (last >= first)
        extra = np.where(p.prepay, book.balance(i, p.age), 0)

        # Collections: loans in arrears at the start of the month, and those that just missed.
        paying = p.cure | p.partial
        chased = p.late | p.miss
        chase_end = np.where(paying, p.pay_day, end)
        paid_fen = book.balance(i, p.paid0) - book.balance(i, p.paid)
        paid_fen = np.where(paying, paid_fen + book.interest_sum(i, p.paid0 + 1, p.paid), 0)
        chase_dpd = np.where(p.late, dpd_prev + (chase_end - start + 1), chase_end - p.due_day)
        return MonthResult(
            loan=rows,
            balance=balance,
            classification=np.concatenate([cls, zeros.astype(np.int8)]),
            dpd=row_dpd,
            overdue=overdue,
            arrears=arrears,
            status=row_status,
            pay_loan=i[ranges],
            pay_first=first[ranges],
            pay_last=last[ranges],
            pay_day=np.where(given_up, -1, p.pay_day)[ranges],
            pay_extra=extra[ranges],
            chase_loan=i[chased],
            chase_start=np.where(p.late, start, p.due_day + 1)[chased],
            chase_end=chase_end[chased],
            chase_dpd=chase_dpd[chased],
            chase_paid=paid_fen[chased],
            breaches=i[self.conceal[i] & (status == ACTIVE)],
        )

    def open_instalments(self, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(loan, first, last) of the instalments unpaid at the month end ``m`` of loans still on
        the book, plus the next one or two falling due after it (future schedule rows)."""
        i = np.flatnonzero(self.status == ACTIVE)
        book = self.book
        due_now = np.minimum(m - book.disb_month[i], book.term[i])
        last = np.minimum(due_now + self.rng.integers(1, 3, len(i)), book.term[i])
        first = self.paid[i] + 1
        keep = last >= first
        return i[keep], first[keep], last[keep]

    def _classify(self, i: np.ndarray, dpd: np.ndarray, status: np.ndarray) -> np.ndarray:
        """Reported class: the floor, stricter where the bank is strict, judgemental special
        mention, slow upgrades after arrears fall, and a few planted breaches of the floor."""
        rng, strict, prev = self.rng, self.book.strict[i], self.cls[i]
        floor = floor_class(dpd)
        raw = floor.copy()
        raw = np.where((dpd > 0) & (dpd <= 7) & (strict < 0.6), SPECIAL_MENTION, raw)
        raw = np.where((dpd > 60) & (dpd <= 90) & (strict < 0.25), SUBSTANDARD, raw)
        raw = np.where((dpd > 180) & (dpd <= 270) & (strict < 0.3), DOUBTFUL, raw)
        raw = np.where((dpd > 300) & (dpd <= 360) & (strict < 0.3), LOSS, raw)

        watch = self.watch[i]
        enter = rng.random(len(i)) < WATCH_ENTER * np.clip(self.book.hazard[i] / 0.01, 0.2, 5)
        watch = np.where(watch, rng.random(len(i)) >= WATCH_EXIT, enter & (dpd == 0))
        self.watch[i] = watch
        raw = np.where(watch, np.maximum(raw, SPECIAL_MENTION), raw)
        upgrade = rng.random(len(i)) < UPGRADE
        cls = np.where(prev > raw, np.where(upgrade, prev - 1, prev), raw).astype(np.int8)

        p = np.where(self.conceal[i], CONCEAL_STAY, CONCEAL_ENTER)
        conceal = (floor >= SPECIAL_MENTION) & (rng.random(len(i)) < p)
        self.conceal[i] = conceal
        cls = np.where(conceal, floor - 1, cls).astype(np.int8)
        given_up = (status == WRITTEN_OFF) | (status == TRANSFERRED)
        cls = np.where(given_up, np.maximum(prev, SUBSTANDARD), cls).astype(np.int8)
        self.cls[i] = cls
        return cls

    def _track_episodes(
        self,
        rows: np.ndarray,
        dpd: np.ndarray,
        overdue: np.ndarray,
        status: np.ndarray,
        end: int,
        cure_day: np.ndarray,
    ) -> None:
        """Record episode starts, ends and crossings of 90 dpd at this month end."""
        ep = self.episodes
        prev_dpd = np.where(self.visible[rows], self.seen_dpd[rows], 0)
        on_book = status == ACTIVE
        start = (dpd > 0) & (prev_dpd == 0) & on_book
        n_new = int(start.sum())
        ep.loan.append(rows[start])
        ep.day.append(end - dpd[start] + 1)
        ep.principal.append(overdue[start] > 0)
        self.episode[rows[start]] = ep.count + np.arange(n_new)
        ep.count += n_new
        crossed = (dpd > 90) & (prev_dpd <= 90) & on_book
        ep.red_loan.append(rows[crossed])
        ep.red_day.append(end - (dpd[crossed] - 91))
        ep.red_id.append(self.episode[rows[crossed]])
        ending = (self.episode[rows] >= 0) & ((dpd == 0) | ~on_book)
        ep.end_id.append(self.episode[rows[ending]])
        ep.end_day.append(np.where(cure_day >= 0, cure_day, end)[ending])
        self.episode[rows[ending]] = -1
        self.visible[rows] = on_book
        self.seen_dpd[rows] = dpd
