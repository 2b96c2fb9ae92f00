"""Staff and customers: who works where and when, who borrows, and who manages whom.

Staff are generated once for the whole bank; customers chunk by chunk. Each customer has one
managing sub-branch and, at any time, one responsible account manager (DOMAIN.md); when that
manager leaves, the customer is handed over to a colleague of the same sub-branch from the
first month end on or after the leave date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from daihou.generator.calendar import (
    AS_OF_DAY,
    EARLIEST_DISBURSEMENT_MONTH,
    N_MONTHS,
    NEVER,
    WINDOW_FIRST_DAY,
    WINDOW_FIRST_MONTH,
    WINDOW_LAST_MONTH,
    WINDOW_MONTHS,
    month_end,
    month_of,
    month_start,
)
from daihou.generator.diligence import Diligence, assign_profiles
from daihou.generator.names import (
    INDUSTRY_LETTERS,
    credit_codes,
    firm_names,
    person_names,
    resident_ids,
    shop_names,
)
from daihou.generator.orgs import Orgs
from daihou.generator.scales import Scale
from daihou.generator.writer import dates, ids, pick
from etl.contract import CODE_LISTS

ROLES = tuple(CODE_LISTS["staff_role"])
AM, PLO, RISK, HEAD, OTHER = (ROLES.index(r) for r in ROLES)
CUSTOMER_TYPES = tuple(CODE_LISTS["customer_type"])
CORPORATE, INDIVIDUAL, BUSINESS = (CUSTOMER_TYPES.index(t) for t in CUSTOMER_TYPES)
RATINGS = tuple(CODE_LISTS["credit_rating"])  # AAA … C, then unrated
UNRATED = RATINGS.index("unrated")
LEAVERS = 0.085  # share of the staff leaving during the window (each replaced)


def _days(first: str, last: str) -> tuple[int, int]:
    return int(np.datetime64(first, "D").astype(int)), int(np.datetime64(last, "D").astype(int))


@dataclass(frozen=True)
class ActiveManagers:
    """Account managers employed for a whole month, per (sub-branch, month): picking one for a
    customer is an index into a sorted array."""

    first_month: int
    n_months: int
    start: np.ndarray
    count: np.ndarray
    staff: np.ndarray

    def pick(self, org: np.ndarray, month: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One active manager of each org in each month, chosen by the uniforms ``u``."""
        key = org * self.n_months + (np.asarray(month) - self.first_month)
        return self.staff[self.start[key] + (u * self.count[key]).astype(np.int64)]


@dataclass(frozen=True)
class Staff:
    staff_id: pa.Array
    name: pa.Array
    org: np.ndarray
    role: np.ndarray
    hire_day: np.ndarray
    leave_day: np.ndarray  # NEVER for staff who stay
    diligence: Diligence
    head_of_org: np.ndarray  # org -> its branch_head (staff index)
    risk_of_org: np.ndarray  # org -> the risk manager of its branch (or of the head office)
    active: ActiveManagers

    def table(self, orgs: Orgs) -> dict[str, pa.Array]:
        stays = self.leave_day == NEVER
        return {
            "staff_id": self.staff_id,
            "staff_name": self.name,
            "org_id": orgs.org_id.take(self.org),
            "role": pick(ROLES, self.role),
            "hire_date": dates(self.hire_day),
            "leave_date": dates(np.where(stays, 0, self.leave_day), null=stays),
        }


def build_staff(rng: np.random.Generator, orgs: Orgs, scale: Scale) -> Staff:
    """Heads, risk managers, post-loan officers and others per org, account managers per
    sub-branch in proportion to its size; ~8% leave during the window and are replaced."""
    n_org = len(orgs.level)
    subs, branches = orgs.sub_branches, orgs.branches
    per = max(1, scale.staff // 300)
    # (org, role, count) blocks of the original staff
    org_parts = [np.zeros(1 + 2 * per + per + 2 * per, dtype=np.int64)]
    role_parts = [np.array([HEAD] + [RISK] * 2 * per + [PLO] * per + [OTHER] * 2 * per)]
    for role, count in ((HEAD, 1), (RISK, 1 + scale.staff // 3000), (PLO, 1), (OTHER, 1)):
        org_parts.append(np.repeat(branches, count))
        role_parts.append(np.full(len(branches) * count, role))
    org_parts.append(subs)
    role_parts.append(np.full(len(subs), HEAD))
    for role, p in ((PLO, 0.5), (OTHER, 0.3)):
        chosen = subs[rng.random(len(subs)) < p]
        org_parts.append(chosen)
        role_parts.append(np.full(len(chosen), role))
    non_am = sum(len(o) for o in org_parts)
    n_am = max(3 * len(subs), round(scale.staff / (1 + LEAVERS)) - non_am)
    am_count = 2 + rng.multinomial(n_am - 2 * len(subs), orgs.weight[subs])
    am_org = np.repeat(subs, am_count)
    anchor = np.zeros(len(am_org), dtype=bool)  # two per sub-branch who never leave
    anchor[np.cumsum(am_count) - am_count] = True
    anchor[np.cumsum(am_count) - am_count + 1] = True
    org = np.concatenate([*org_parts, am_org])
    role = np.concatenate([*role_parts, np.full(len(am_org), AM)]).astype(np.int8)
    anchor = np.concatenate([np.zeros(non_am, dtype=bool), anchor])
    n = len(org)

    early, late = _days("2000-01-01", "2013-12-31"), _days("2008-01-01", "2022-09-30")
    hire = np.where(
        anchor | (role != AM),
        rng.integers(*early, n),
        rng.integers(*late, n),
    ).astype(np.int32)
    may_leave = ~anchor & np.isin(role, (AM, PLO, OTHER))  # heads and risk managers stay
    leaves = may_leave & (rng.random(n) < min(0.5, LEAVERS * n / may_leave.sum()))
    leave = np.where(leaves, rng.integers(WINDOW_FIRST_DAY + 10, AS_OF_DAY - 10, n), NEVER)

    # Replacements: a new account manager in the same sub-branch around the leave date.
    gone = np.flatnonzero(leaves & (role == AM))
    new_hire = leave[gone] + rng.integers(-20, 90, len(gone))
    keep = new_hire < AS_OF_DAY - 5
    org = np.concatenate([org, org[gone][keep]])
    role = np.concatenate([role, np.full(keep.sum(), AM, dtype=np.int8)])
    hire = np.concatenate([hire, new_hire[keep]]).astype(np.int32)
    leave = np.concatenate([leave, np.full(keep.sum(), NEVER)]).astype(np.int32)

    order = np.lexsort((hire, role, org))
    org, role, hire, leave = org[order], role[order], hire[order], leave[order]
    n = len(org)
    is_am = role == AM
    diligence = assign_profiles(rng, is_am, orgs.culture[org])

    head_of_org = np.full(n_org, -1, dtype=np.int64)
    risk_of_branch = np.full(n_org, -1, dtype=np.int64)
    heads, risks = np.flatnonzero(role == HEAD), np.flatnonzero(role == RISK)
    head_of_org[org[heads]] = heads
    risk_of_branch[org[risks[::-1]]] = risks[::-1]  # the first risk manager of each org wins
    branch_or_root = np.where(orgs.branch < 0, 0, orgs.branch)
    return Staff(
        staff_id=ids("E", np.arange(1, n + 1), 6),
        name=person_names(rng, n),
        org=org,
        role=role,
        hire_day=hire,
        leave_day=leave,
        diligence=diligence,
        head_of_org=head_of_org,
        risk_of_org=risk_of_branch[branch_or_root],
        active=_active_managers(
            org[is_am], np.flatnonzero(is_am), hire[is_am], leave[is_am], n_org
        ),
    )


def _active_managers(
    org: np.ndarray, staff: np.ndarray, hire: np.ndarray, leave: np.ndarray, n_org: int
) -> ActiveManagers:
    """Index the account managers employed from the first to the last day of each month."""
    first = EARLIEST_DISBURSEMENT_MONTH - 1
    months = np.arange(first, WINDOW_LAST_MONTH + 1)
    active = (hire[:, None] <= month_start(months)[None, :]) & (
        leave[:, None] > month_end(months)[None, :]
    )
    who, when = np.nonzero(active)
    key = org[who] * len(months) + when
    order = np.argsort(key, kind="stable")
    count = np.bincount(key, minlength=n_org * len(months))
    return ActiveManagers(first, len(months), np.cumsum(count) - count, count, staff[who][order])


@dataclass
class Customers:
    """Customers of one chunk (static attributes; ratings change later, see ``RatingHistory``)."""

    type: np.ndarray
    org: np.ndarray  # managing sub-branch
    z: np.ndarray  # latent credit risk, N(0, 1); higher is worse
    rating: np.ndarray  # rating at the first loan
    industry: np.ndarray  # GB/T 4754 section index, -1 for none
    birth_day: np.ndarray  # individuals' (and owners') birth date

    def take(self, index: np.ndarray) -> Customers:
        return Customers(*(getattr(self, f)[index] for f in self.__dataclass_fields__))

    def __len__(self) -> int:
        return len(self.type)


TYPE_SHARES = (0.10, 0.60, 0.30)  # corporate, individual, individual_business
# Rating shares per customer type, in RATINGS order (AAA … C, unrated).
RATING_SHARES = {
    CORPORATE: (0.05, 0.15, 0.30, 0.24, 0.11, 0.05, 0.02, 0.02, 0.02, 0.04),
    BUSINESS: (0.02, 0.08, 0.20, 0.24, 0.15, 0.07, 0.03, 0.01, 0.01, 0.19),
    INDIVIDUAL: (0.04, 0.14, 0.22, 0.15, 0.08, 0.03, 0.01, 0.005, 0.005, 0.31),
}
INDUSTRY_SHARES = {
    CORPORATE: dict(C=30, E=10, F=20, A=10, G=5, H=5, K=4, L=4, I=2, M=2, N=2, O=1, P=1, Q=1,
                    R=1, D=1, B=1),
    BUSINESS: dict(F=40, H=15, A=20, C=8, O=10, E=4, G=3),
}  # fmt: skip


def build_customers(rng: np.random.Generator, orgs: Orgs, n: int) -> Customers:
    """Customers of all three types, booked at sub-branches by size, rated by latent risk."""
    ctype = rng.choice(3, n, p=TYPE_SHARES).astype(np.int8)
    # Firms bank mostly at the big (town-centre) sub-branches.
    firm_weight = orgs.weight**2 / (orgs.weight**2).sum()
    org = np.where(
        ctype == CORPORATE,
        rng.choice(len(orgs.weight), n, p=firm_weight),
        rng.choice(len(orgs.weight), n, p=orgs.weight),
    )
    z = rng.normal(0.0, 1.0, n)
    rating = np.empty(n, dtype=np.int8)
    industry = np.full(n, -1, dtype=np.int8)
    for t, shares in RATING_SHARES.items():
        members = np.flatnonzero(ctype == t)
        unrated = rng.random(len(members)) < shares[UNRATED]
        rated = members[~unrated]
        rating[members[unrated]] = UNRATED
        score = z[rated] + rng.normal(0.0, 0.6, len(rated))  # ratings see risk imperfectly
        cdf = np.cumsum(shares[:UNRATED]) / sum(shares[:UNRATED])
        rank = np.empty(len(rated))
        rank[np.argsort(score)] = (np.arange(len(rated)) + 0.5) / max(len(rated), 1)
        rating[rated] = np.searchsorted(cdf, rank)
        if t in INDUSTRY_SHARES:
            letters = INDUSTRY_SHARES[t]
            p = np.array(list(letters.values()), dtype=float)
            codes = np.array([INDUSTRY_LETTERS.index(c) for c in letters])
            industry[members] = codes[rng.choice(len(codes), len(members), p=p / p.sum())]
    birth = rng.integers(*_days("1960-01-01", "2002-12-31"), n)
    return Customers(ctype, org, z, rating, industry, birth.astype(np.int32))


@dataclass(frozen=True)
class Responsibility:
    """The responsible account manager of each customer: at its first loan (``initial``) and at
    each of the 36 month ends (``monthly``, -1 before the customer's first month)."""

    initial: np.ndarray
    monthly: np.ndarray

    def at(self, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
        """The manager on a day: the month end's manager inside the window, else the first.

        Replacements are active from the first of the month, so the manager is employed on
        every day of it."""
        mi = month_of(day) - WINDOW_FIRST_MONTH
        inside = mi >= 0
        out = self.initial[customer]
        monthly = self.monthly[customer[inside], np.minimum(mi[inside], N_MONTHS - 1)]
        out[inside] = np.where(monthly >= 0, monthly, out[inside])
        return out

    def take(self, index: np.ndarray) -> Responsibility:
        return Responsibility(self.initial[index], self.monthly[index])


def assign_managers(
    rng: np.random.Generator, staff: Staff, org: np.ndarray, first_month: np.ndarray
) -> Responsibility:
    """Pick a manager per customer at its first loan; hand over when the manager leaves."""
    start = np.maximum(first_month, staff.active.first_month)
    current = staff.active.pick(org, start, rng.random(len(org)))
    initial = current.copy()
    monthly = np.full((len(org), N_MONTHS), -1, dtype=np.int32)
    for i, m in enumerate(WINDOW_MONTHS):
        started = first_month <= m
        gone = np.flatnonzero(started & (staff.leave_day[current] <= month_end(m)))
        current[gone] = staff.active.pick(org[gone], np.full(len(gone), m), rng.random(len(gone)))
        monthly[:, i] = np.where(started, current, -1)
    return Responsibility(initial, monthly)


@dataclass(frozen=True)
class RatingHistory:
    """Up to three ratings per customer, each in force from its date (NEVER = no such rating)."""

    rating: np.ndarray  # (n, 3)
    since: np.ndarray  # (n, 3) day numbers; since[:, 0] is the first rating's date

    def at(self, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
        """The rating in force on each day (the first rating before its date)."""
        step = (day[:, None] >= self.since[customer, 1:]).sum(axis=1)
        return self.rating[customer, step]

    @property
    def current(self) -> np.ndarray:
        return self.rating[np.arange(len(self.rating)), self._last]

    @property
    def _last(self) -> np.ndarray:
        return (self.since[:, 1:] < NEVER).sum(axis=1)

    def in_force(self) -> tuple[pa.Array, pa.Array]:
        """credit_rating and rating_date of customers.csv: the rating in force at the end."""
        n = len(self.rating)
        last = self._last
        day = self.since[np.arange(n), last]
        unrated = self.current == UNRATED
        return pick(RATINGS, self.current), dates(np.where(unrated, 0, day), null=unrated)

    def earlier(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(customer, rating, date) of every rating before the one in force."""
        step = np.arange(3)[None, :]
        mask = step < self._last[:, None]
        who, which = np.nonzero(mask)
        return who, self.rating[who, which], self.since[who, which]


def rating_history(
    rng: np.random.Generator, customers: Customers, anchor_day: np.ndarray, npl_day: np.ndarray
) -> RatingHistory:
    """About 15% of the customers are re-rated in the window: customers whose loan turned
    non-performing are mostly downgraded soon after, others drift a notch with their risk."""
    n = len(customers)
    rated = customers.rating != UNRATED
    first_day = anchor_day - rng.integers(10, 200, n)
    rating = np.repeat(customers.rating[:, None], 3, axis=1).astype(np.int8)
    since = np.full((n, 3), NEVER, dtype=np.int32)
    since[:, 0] = first_day

    earliest = np.maximum(WINDOW_FIRST_DAY, first_day + 180)
    room = AS_OF_DAY - earliest
    npl_change = rated & (npl_day < AS_OF_DAY - 30) & (rng.random(n) < 0.6)
    drift = rated & ~npl_change & (room > 60) & (rng.random(n) < 0.18)
    day1 = np.where(
        npl_change,
        np.minimum(npl_day + rng.integers(20, 90, n), AS_OF_DAY),
        earliest + (rng.random(n) * np.maximum(room, 1)).astype(np.int64),
    )
    down = np.where(npl_change, 1, (rng.random(n) < 0.35 + 0.3 * (customers.z > 0)))
    notches = np.where(npl_change, rng.integers(2, 4, n), 1)
    r1 = np.clip(customers.rating + np.where(down == 1, notches, -notches), 0, UNRATED - 1)
    changed = (npl_change | drift) & (r1 != customers.rating)
    rating[changed, 1:] = r1[changed, None]
    since[changed, 1] = day1[changed]

    second = changed & (rng.random(n) < 0.2) & (AS_OF_DAY - day1 > 90)
    day2 = day1 + 30 + (rng.random(n) * np.maximum(AS_OF_DAY - day1 - 30, 1)).astype(np.int64)
    r2 = np.clip(r1 + np.where(rng.random(n) < 0.5, 1, -1), 0, UNRATED - 1)
    second &= r2 != r1
    rating[second, 2] = r2[second]
    since[second, 2] = day2[second]
    return RatingHistory(rating, since)


def customer_columns(
    rng: np.random.Generator, customers: Customers, orgs: Orgs
) -> dict[str, pa.Array]:
    """Name, id_number, industry and region of each customer (ratings come separately)."""
    n = len(customers)
    t = customers.type
    town = orgs.region.take(customers.org)
    region_code = orgs.region_code[customers.org]
    person = person_names(rng, n)
    letter = np.maximum(customers.industry, 0)
    name = _where(t == CORPORATE, firm_names(rng, town, letter), person)
    name = _where(t == BUSINESS, shop_names(rng, town, person, letter), name)
    uses_code = (t == CORPORATE) | ((t == BUSINESS) & (rng.random(n) < 0.5))
    org_type = np.where(t == CORPORATE, 1, 2)
    id_number = _where(
        uses_code,
        credit_codes(rng, region_code, org_type),
        resident_ids(rng, region_code, customers.birth_day),
    )
    return {
        "customer_name": name,
        "customer_type": pick(CUSTOMER_TYPES, t),
        "id_number": id_number,
        "industry_code": pick(INDUSTRY_LETTERS, letter, null=customers.industry < 0),
        "region": town,
    }


def _where(mask: np.ndarray, yes: pa.Array, no: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask), yes, no)
