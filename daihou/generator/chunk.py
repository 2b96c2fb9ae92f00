"""One chunk of the bank: a set of customers with their loans and everything that follows.

Chunks are independent (own random stream from (seed, chunk number)) and share only the org
tree and the staff; each appends its rows to the open extract files, so the peak memory is
that of one chunk whatever the scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from daihou.generator.calendar import (
    AS_OF_DAY,
    BURN_IN_MONTHS,
    N_MONTHS,
    NEVER,
    WINDOW_FIRST_MONTH,
    WINDOW_LAST_MONTH,
    WINDOW_MONTHS,
    WorkingDays,
    month_end,
)
from daihou.generator.collateral import build_collateral, collateral_rows
from daihou.generator.collections import action_rows, actions
from daihou.generator.inspections import Inspector, inspection_rows
from daihou.generator.loans import GUARANTEE, Book, build_book
from daihou.generator.orgs import Orgs
from daihou.generator.people import (
    RATINGS,
    Customers,
    RatingHistory,
    Responsibility,
    Staff,
    assign_managers,
    build_customers,
    customer_columns,
    rating_history,
)
from daihou.generator.repayments import instalment_rows
from daihou.generator.signals import RED, build_signals
from daihou.generator.snapshots import ACTIVE, PENDING, STATUSES, EpisodeTable, Simulation
from daihou.generator.writer import ExtractWriter, TableFile, amounts, dates, ids, integers, pick
from daihou.settings import InspectionRules
from etl.contract import CLASSES

BIG_LOAN_FEN = 100_000_000  # arrears on loans of 1,000,000 yuan or more raise orange signals


@dataclass
class Bank:
    """What all chunks share."""

    seed: int
    orgs: Orgs
    staff: Staff
    rules: InspectionRules
    workdays: WorkingDays
    next_id: dict[str, int] = field(default_factory=dict)  # running number per id prefix

    def next_ids(self, prefix: str, n: int, width: int) -> pa.Array:
        """The next ``n`` identifiers with this prefix (numbered across chunks)."""
        first = self.next_id.get(prefix, 1)
        self.next_id[prefix] = first + n
        return ids(prefix, np.arange(first, first + n), width)


@dataclass
class Chunk:
    """The customers and loans of a chunk that are on the book in the window, with ids."""

    customers: Customers
    book: Book
    responsibility: Responsibility
    sim: Simulation
    customer_id: pa.Array
    loan_id: pa.Array

    @property
    def first_day(self) -> np.ndarray:
        """Each customer's first disbursement (loans are ordered by customer and date)."""
        first_loan = np.searchsorted(self.book.customer, np.arange(len(self.customers)))
        return self.book.disb_day[first_loan]

    @property
    def loan_end(self) -> np.ndarray:
        """Last day each loan was on the book (the as-of date for loans still running)."""
        return np.minimum(self.sim.exit_day, AS_OF_DAY)

    @property
    def last_day(self) -> np.ndarray:
        """Last day each customer had a loan on the book."""
        out = np.zeros(len(self.customers), dtype=np.int64)
        np.maximum.at(out, self.book.customer, self.loan_end)
        return out


def run_chunk(
    bank: Bank, chunk: int, n_customers: int, out: ExtractWriter, breaches: TableFile
) -> None:
    """Generate one chunk of customers and append all their rows to the extract."""
    rng = np.random.default_rng([bank.seed, chunk + 1])
    c = _open_book(bank, rng, n_customers)
    customer_dpd = _window(bank, rng, c, out, breaches)
    episodes = c.sim.episodes.table()
    ratings = _reference_rows(bank, rng, c, episodes, out)
    _events(bank, rng, c, episodes, ratings, customer_dpd, out)


def _open_book(bank: Bank, rng: np.random.Generator, n_customers: int) -> Chunk:
    """Customers, loans and managers; the burn-in months before the window. Loans that left
    the book by then are not part of the bank, nor are customers left without loans."""
    staff = bank.staff
    customers = build_customers(rng, bank.orgs, n_customers)
    book = build_book(rng, customers, bank.orgs.risk)
    first_loan = np.searchsorted(book.customer, np.arange(len(customers)))
    resp = assign_managers(rng, staff, customers.org, book.disb_month[first_loan])
    book.hazard = book.hazard * staff.diligence.risk_multiplier[resp.initial[book.customer]]

    sim = Simulation(book, rng)
    for m in range(WINDOW_FIRST_MONTH - BURN_IN_MONTHS, WINDOW_FIRST_MONTH):
        sim.step(m)
    sim.keep((sim.status == PENDING) | (sim.status == ACTIVE))
    kept = np.unique(sim.book.customer)
    sim.book.customer = np.searchsorted(kept, sim.book.customer)
    return Chunk(
        customers=customers.take(kept),
        book=sim.book,
        responsibility=resp.take(kept),
        sim=sim,
        customer_id=bank.next_ids("C", len(kept), 9),
        loan_id=bank.next_ids("L", len(sim.book), 10),
    )


def _window(
    bank: Bank, rng: np.random.Generator, c: Chunk, out: ExtractWriter, breaches: TableFile
) -> np.ndarray:
    """The 36 month ends: snapshots, repayments and collections as they happen. Returns each
    customer's largest dpd per month end (what an inspector would find)."""
    book, loan_id, staff = c.book, c.loan_id, bank.staff
    staff_id = staff.staff_id
    customer_dpd = np.zeros((len(c.customers), N_MONTHS), dtype=np.int32)
    for mi, m in enumerate(WINDOW_MONTHS):
        res = c.sim.step(int(m))
        as_of = np.full(len(res.loan), month_end(m), dtype=np.int32)
        manager = c.responsibility.monthly[book.customer[res.loan], mi]
        out.write(
            "loan_snapshots",
            {
                "as_of_date": dates(as_of),
                "loan_id": loan_id.take(res.loan),
                "manager_id": staff_id.take(manager),
                "balance": amounts(res.balance),
                "classification": pick(CLASSES, res.classification),
                "days_past_due": integers(res.dpd),
                "overdue_principal": amounts(res.overdue),
                "interest_arrears": amounts(res.arrears),
                "status": pick(STATUSES, res.status),
            },
        )
        paid = (res.pay_loan, res.pay_first, res.pay_last, res.pay_day, res.pay_extra)
        out.write("repayments", instalment_rows(book, loan_id, *paid))
        chaser = c.responsibility.monthly[book.customer[res.chase_loan], mi]
        acts = actions(
            rng, res.chase_loan, res.chase_start, res.chase_end, res.chase_dpd, res.chase_paid,
            chaser, staff.diligence.collection_intensity[chaser],
        )  # fmt: skip
        action_id = bank.next_ids("CA", len(acts["day"]), 10)
        out.write("collection_actions", action_rows(acts, action_id, loan_id, staff_id))
        planted_on = np.full(len(res.breaches), month_end(m), dtype=np.int32)
        breaches.write({"as_of_date": dates(planted_on), "loan_id": loan_id.take(res.breaches)})
        np.maximum.at(customer_dpd[:, mi], book.customer[res.loan], res.dpd)

    loan, first, last = c.sim.open_instalments(WINDOW_LAST_MONTH)
    unpaid = (np.full(len(loan), -1, dtype=np.int32), np.zeros(len(loan), dtype=np.int64))
    out.write("repayments", instalment_rows(book, loan_id, loan, first, last, *unpaid))
    return customer_dpd


def _reference_rows(
    bank: Bank, rng: np.random.Generator, c: Chunk, episodes: EpisodeTable, out: ExtractWriter
) -> RatingHistory:
    """Customers (with the rating history the window produced) and loans."""
    book, customers = c.book, c.customers
    npl_day = np.full(len(customers), NEVER, dtype=np.int64)  # first time a loan passed 90 dpd
    np.minimum.at(npl_day, book.customer[episodes.red_loan], episodes.red_day)
    ratings = rating_history(rng, customers, c.first_day, npl_day)
    rating, rating_date = ratings.in_force()
    out.write(
        "customers",
        {
            "customer_id": c.customer_id,
            **customer_columns(rng, customers, bank.orgs),
            "credit_rating": rating,
            "rating_date": rating_date,
        },
    )
    who, earlier, since = ratings.earlier()
    out.write(
        "customer_ratings",
        {
            "customer_id": c.customer_id.take(who),
            "credit_rating": pick(RATINGS, earlier),
            "rating_date": dates(since),
        },
    )
    org_id = bank.orgs.org_id.take(customers.org[book.customer])
    out.write("loans", book.table(c.loan_id, c.customer_id.take(book.customer), org_id))
    return ratings


def _events(
    bank: Bank,
    rng: np.random.Generator,
    c: Chunk,
    episodes: EpisodeTable,
    ratings: RatingHistory,
    customer_dpd: np.ndarray,
    out: ExtractWriter,
) -> None:
    """Collateral, warning signals and inspections, which feed each other: impaired
    collateral and diverted funds raise signals, red signals call for special inspections."""
    book, staff, dil = c.book, bank.staff, bank.staff.diligence
    staff_id = staff.staff_id
    coll = build_collateral(rng, book, c.sim.exit_day, c.responsibility, dil)
    n_items = int(coll.rows["item"].max()) + 1 if len(coll.rows["item"]) else 0
    out.write("collateral", collateral_rows(coll.rows, bank.next_ids("CL", n_items, 10), c.loan_id))

    inspector = Inspector(
        rng, bank.rules, bank.workdays, book, c.loan_end, c.customers.type, c.responsibility, dil
    )
    flow = inspector.loan_checks()
    signals = build_signals(
        rng,
        episodes,
        book,
        book.principal >= BIG_LOAN_FEN,
        book.guarantee == GUARANTEE,
        c.customers,
        (c.first_day, c.last_day),
        [
            (*coll.impaired, "collateral_impairment"),
            (flow.loan[flow.risk], flow.day[flow.risk], "fund_diversion"),
        ],
        c.responsibility,
        dil,
    )
    signal_id = bank.next_ids("WS", len(signals.day), 10)
    out.write("warning_signals", signals.rows(signal_id, c.customer_id, c.loan_id, staff_id))

    red = signals.severity == RED
    inspector.special(
        np.concatenate([book.customer[episodes.loan], signals.customer[red]]),
        np.concatenate([episodes.loan, np.full(int(red.sum()), -1)]),
        np.concatenate([episodes.day, signals.day[red]]),
    )
    inspector.routine(ratings, c.first_day, c.last_day)
    inspector.collateral(*coll.inspected)
    rows = inspector.rows(staff, customer_dpd, c.customers.z)
    inspection_id = bank.next_ids("IN", len(rows["day"]), 10)
    out.write(
        "inspections",
        inspection_rows(rows, inspection_id, c.customer_id, c.loan_id, staff_id),
    )
