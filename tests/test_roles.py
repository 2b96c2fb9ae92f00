"""Who may see what (issue 6), through direct calls into the data layer on the demo bank.

Every public function of the data layer that takes a user is listed here with the family of
data it returns, and called for each role: the expectations are the issue's table, written out
here (not read from daihou.access), so a wrong role table fails. A function added to the data
layer without an entry here fails ``test_every_data_function_is_covered``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fixtures_demo import DemoBank

from daihou.access import User
from dashboard import data
from dashboard.data import accounts, borrower, hr, inspection, watchlist
from dashboard.data.core import ScopeError
from metrics.periods import parse_period
from metrics.scope import Scope
from metrics.watchlist import WatchlistFilter
from warehouse.connection import Warehouse

pytestmark = pytest.mark.slow

DEC = date(2025, 12, 31)
JUN = date(2025, 6, 30)
QUARTER = parse_period("2025Q4")
FAMILIES = {
    "admin": {"portfolio", "borrowers", "staff", "loads", "admin"},
    "supervision": {"portfolio", "borrowers", "staff", "loads"},
    "branch_head": {"portfolio", "borrowers", "staff"},
    "account_manager": {"portfolio", "borrowers"},
    "hr": {"staff"},
}


@dataclass(frozen=True)
class Bank:
    """Facts of the demo bank the calls need."""

    own: dict[str, User]  # role -> user
    outside: dict[str, str]  # role -> an org outside the user's subtree ("" when none)
    customer: dict[str, str]  # role -> a customer the user may see
    foreign_customer: dict[str, str]  # role -> a customer outside the user's scope
    manager: str  # a manager in every user's scope (the account manager themself)
    load_id: int


@pytest.fixture(scope="module")
def bank(demo_bank: DemoBank) -> Bank:
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        (manager, manager_customer) = con.execute(
            "SELECT s.manager_id, min(l.customer_id) FROM fct_loan_snapshot s "
            "JOIN dim_loan l USING (loan_id) JOIN bridge_org_subtree b "
            "ON b.org_id = l.org_id AND b.ancestor_org_id = 'BR01' "
            "WHERE s.as_of_date = $d AND s.balance > 0 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            {"d": DEC},
        ).fetchone()
        (peer_customer,) = con.execute(  # BR01, another manager's loans only
            "SELECT min(l.customer_id) FROM dim_loan l JOIN bridge_org_subtree b "
            "ON b.org_id = l.org_id AND b.ancestor_org_id = 'BR01' "
            "WHERE l.customer_id NOT IN (SELECT l2.customer_id FROM dim_loan l2 "
            "  JOIN fct_loan_snapshot s USING (loan_id) WHERE s.manager_id = $m)",
            {"m": manager},
        ).fetchone()
        (br02_customer,) = con.execute(
            "SELECT min(l.customer_id) FROM dim_loan l JOIN bridge_org_subtree b "
            "ON b.org_id = l.org_id AND b.ancestor_org_id = 'BR02' "
            "WHERE l.customer_id NOT IN (SELECT l2.customer_id FROM dim_loan l2 "
            "  JOIN bridge_org_subtree b2 ON b2.org_id = l2.org_id "
            "  AND b2.ancestor_org_id = 'BR01')"
        ).fetchone()
        (load_id,) = con.execute("SELECT max(load_id) FROM meta_load_run").fetchone()
    own = {
        "admin": User("管理员", "admin", "HO", "t.admin"),
        "supervision": User("监督员", "supervision", "HO", "t.supervision"),
        "branch_head": User("青山分行行长", "branch_head", "BR02", "t.branch_head"),
        "account_manager": User("客户经理", "account_manager", "BR01", "t.am", manager),
        "hr": User("人力", "hr", "HO", "t.hr"),
    }
    outside = {"branch_head": "BR01", "account_manager": "BR02"}
    return Bank(
        own,
        outside,
        customer={
            "admin": br02_customer,
            "supervision": peer_customer,
            "branch_head": br02_customer,
            "account_manager": manager_customer,
            "hr": manager_customer,
        },
        foreign_customer={"branch_head": peer_customer, "account_manager": peer_customer},
        manager=manager,
        load_id=load_id,
    )


@pytest.fixture
def use_demo(use_warehouse: Callable[[Path], None], demo_bank: DemoBank) -> None:
    use_warehouse(demo_bank.settings.warehouse_path)


# name -> (family, call(user, org_id, customer_id, bank))
Call = Callable[[User, str, str, Bank], object]
CALLS: dict[str, tuple[str, Call]] = {
    # the org tree below the user, and the session plumbing: every signed-in role
    "data.visible_orgs": ("any", lambda u, o, c, b: data.visible_orgs(u)),
    "data.may_see": ("any", lambda u, o, c, b: data.may_see(u, o)),
    "accounts.open_session": ("any", lambda u, o, c, b: accounts.open_session(u)),
    "accounts.sign_out": ("any", lambda u, o, c, b: accounts.sign_out(u, None)),
    # asset quality, migration, roll rates, vintage (dashboard.data)
    "data.scope_for": ("portfolio", lambda u, o, c, b: data.scope_for(u, o)),
    "data.asset_quality_at": (
        "portfolio",
        lambda u, o, c, b: data.asset_quality_at(u, Scope(o), DEC),
    ),
    "data.asset_quality_trend": (
        "portfolio",
        lambda u, o, c, b: data.asset_quality_trend(u, Scope(o), JUN, DEC),
    ),
    "data.asset_quality_by_org": (
        "portfolio",
        lambda u, o, c, b: data.asset_quality_by_org(u, Scope(o), DEC),
    ),
    "data.children_breakdown": (
        "portfolio",
        lambda u, o, c, b: data.children_breakdown(u, Scope(o), DEC),
    ),
    "data.floor_breaches": ("borrowers", lambda u, o, c, b: data.floor_breaches(u, Scope(o), DEC)),
    "data.migration_matrix": (
        "portfolio",
        lambda u, o, c, b: data.migration_matrix(u, Scope(o), JUN, DEC),
    ),
    "data.migration_rates": (
        "portfolio",
        lambda u, o, c, b: data.migration_rates(u, Scope(o), JUN, DEC),
    ),
    "data.transition_matrix": (
        "portfolio",
        lambda u, o, c, b: data.transition_matrix(u, Scope(o), DEC),
    ),
    "data.flow_rates": ("portfolio", lambda u, o, c, b: data.flow_rates(u, Scope(o), DEC)),
    "data.flow_rate_trend": (
        "portfolio",
        lambda u, o, c, b: data.flow_rate_trend(u, Scope(o), JUN, DEC),
    ),
    "data.vintage_curves": (
        "portfolio",
        lambda u, o, c, b: data.vintage_curves(u, Scope(o), 90, "current_amount", DEC),
    ),
    # loads
    "data.load_runs": ("loads", lambda u, o, c, b: data.load_runs(u)),
    "data.load_files": ("loads", lambda u, o, c, b: data.load_files(u, b.load_id)),
    "data.rejected_rows": ("loads", lambda u, o, c, b: data.rejected_rows(u)),
    "data.rejected_counts": ("loads", lambda u, o, c, b: data.rejected_counts(u)),
    "data.rejected_rows_csv": (
        "loads",
        lambda u, o, c, b: data.rejected_rows_csv(u, None, None, None)(),
    ),
    # inspection (§5)
    "inspection.compliance": (
        "portfolio",
        lambda u, o, c, b: inspection.compliance(u, Scope(o), JUN, DEC, DEC),
    ),
    "inspection.by_org": (
        "portfolio",
        lambda u, o, c, b: inspection.by_org(u, Scope(o), JUN, DEC, DEC),
    ),
    "inspection.by_manager": (
        "portfolio",
        lambda u, o, c, b: inspection.by_manager(u, Scope(o), JUN, DEC, DEC),
    ),
    "inspection.trend": (
        "portfolio",
        lambda u, o, c, b: inspection.trend(u, Scope(o), JUN, DEC, DEC),
    ),
    "inspection.by_kind": (
        "portfolio",
        lambda u, o, c, b: inspection.by_kind(u, Scope(o), JUN, DEC, DEC),
    ),
    "inspection.report_quality": (
        "portfolio",
        lambda u, o, c, b: inspection.report_quality(u, Scope(o), JUN, DEC),
    ),
    "inspection.overdue_backlog": (
        "borrowers",
        lambda u, o, c, b: inspection.overdue_backlog(u, Scope(o), DEC),
    ),
    "inspection.due_soon": (
        "borrowers",
        lambda u, o, c, b: inspection.due_soon(u, Scope(o), DEC, 30),
    ),
    "inspection.report_issues": (
        "borrowers",
        lambda u, o, c, b: inspection.report_issues(u, Scope(o), JUN, DEC),
    ),
    # watch list (§6)
    "watchlist.summary": (
        "portfolio",
        lambda u, o, c, b: watchlist.summary(u, Scope(o), DEC, WatchlistFilter()),
    ),
    "watchlist.by_org": (
        "portfolio",
        lambda u, o, c, b: watchlist.by_org(u, Scope(o), DEC, WatchlistFilter()),
    ),
    "watchlist.by_manager": (
        "portfolio",
        lambda u, o, c, b: watchlist.by_manager(u, Scope(o), DEC, WatchlistFilter()),
    ),
    "watchlist.listing": (
        "borrowers",
        lambda u, o, c, b: watchlist.listing(u, Scope(o), DEC, WatchlistFilter()),
    ),
    "watchlist.export_rows": (
        "borrowers",
        lambda u, o, c, b: watchlist.export_rows(u, Scope(o), DEC, WatchlistFilter())(),
    ),
    # borrower file
    "borrower.search": ("borrowers", lambda u, o, c, b: borrower.search(u, o, c)),
    "borrower.authorise_customer": (
        "borrowers",
        lambda u, o, c, b: borrower.authorise_customer(u, c),
    ),
    "borrower.open_file": ("borrowers", lambda u, o, c, b: borrower.open_file(u, c)),
    "borrower.profile": ("borrowers", lambda u, o, c, b: borrower.profile(u, c, DEC)),
    "borrower.rating_history": ("borrowers", lambda u, o, c, b: borrower.rating_history(u, c, DEC)),
    "borrower.loans": ("borrowers", lambda u, o, c, b: borrower.loans(u, c, DEC)),
    "borrower.exposure": ("borrowers", lambda u, o, c, b: borrower.exposure(u, c, DEC)),
    "borrower.loan_history": ("borrowers", lambda u, o, c, b: borrower.loan_history(u, c, DEC)),
    "borrower.obligations": ("borrowers", lambda u, o, c, b: borrower.obligations(u, c, DEC)),
    "borrower.inspections": ("borrowers", lambda u, o, c, b: borrower.inspections(u, c, DEC)),
    "borrower.signals": ("borrowers", lambda u, o, c, b: borrower.signals(u, c, DEC)),
    "borrower.collateral": ("borrowers", lambda u, o, c, b: borrower.collateral(u, c, DEC)),
    "borrower.collections": ("borrowers", lambda u, o, c, b: borrower.collections(u, c, DEC)),
    # staff performance (§7)
    "hr.scope_for": ("staff", lambda u, o, c, b: hr.scope_for(u, o)),
    "hr.manager_scores": ("staff", lambda u, o, c, b: hr.manager_scores(u, Scope(o), QUARTER)),
    "hr.org_scores": ("staff", lambda u, o, c, b: hr.org_scores(u, Scope(o), QUARTER)),
    "hr.manager_obligations": (
        "staff",
        lambda u, o, c, b: hr.manager_obligations(u, Scope(o), QUARTER, b.manager),
    ),
    "hr.component_items": (
        "staff",
        lambda u, o, c, b: hr.component_items(u, Scope(o), QUARTER, "asset_quality", b.manager),
    ),
    "hr.allocation": (
        "staff",
        lambda u, o, c, b: hr.allocation(u, Scope(o), QUARTER, Decimal("100000.00")),
    ),
    # accounts and the audit log
    "accounts.account_list": ("admin", lambda u, o, c, b: accounts.account_list(u)),
    "accounts.audit_entries": ("admin", lambda u, o, c, b: accounts.audit_entries(u)),
    "accounts.add_account": (
        "admin",
        lambda u, o, c, b: accounts.add_account(
            u, f"new.{u.role}", "pw-Secret-1", "hr", "HO", None, None
        ),
    ),
    "accounts.set_role": (
        "admin",
        lambda u, o, c, b: accounts.set_role(u, "t.target", "hr", "HO", None),
    ),
    "accounts.disable": ("admin", lambda u, o, c, b: accounts.disable(u, "t.target")),
}
MODULES = {
    "data": data, "inspection": inspection, "watchlist": watchlist, "borrower": borrower,
    "hr": hr, "accounts": accounts,
}  # fmt: skip


def test_every_data_function_is_covered() -> None:
    """Each public function of the data layer taking a user has an entry in CALLS."""
    taking_user = {
        f"{prefix}.{name}"
        for prefix, module in MODULES.items()
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__ == module.__name__
        and not name.startswith("_")
        and next(iter(inspect.signature(fn).parameters), None) == "user"
    }
    assert taking_user == set(CALLS)


@pytest.mark.parametrize("role", list(FAMILIES))
def test_each_role_reaches_exactly_its_data(role: str, bank: Bank, use_demo: None) -> None:
    user = bank.own[role]
    store = data.core.accounts()
    store.add("t.target", "pw-Target-1", "supervision", "HO")
    refused_before = _refusals(store)
    answers = {
        name: _answers(call, user, user.org_id, bank.customer[role], bank)
        for name, (_, call) in CALLS.items()
    }
    expected = {
        name: family == "any" or family in FAMILIES[role] for name, (family, _) in CALLS.items()
    }
    assert answers == expected
    refused = sum(not ok for ok in answers.values())
    assert _refusals(store) - refused_before == refused  # every refusal is in the audit log


@pytest.mark.parametrize("role", ["branch_head", "account_manager"])
def test_orgs_and_customers_outside_the_subtree_are_refused(
    role: str, bank: Bank, use_demo: None
) -> None:
    user = bank.own[role]
    answered = []
    for name, (family, call) in CALLS.items():
        if family not in FAMILIES[role] or family in ("loads", "admin"):
            continue  # refused whatever the org (above), or not scoped by org
        if name.startswith("borrower.") and name != "borrower.search":
            # another branch's (or another manager's) customer
            outside = [(user.org_id, bank.foreign_customer[role])]
        else:  # another branch's org, and the whole bank
            outside = [(bank.outside[role], bank.customer[role]), ("HO", bank.customer[role])]
        answered += [
            (name, org, customer)
            for org, customer in outside
            if _answers(call, user, org, customer, bank)
        ]
    assert not answered


def test_the_org_picker_offers_the_subtree_only(bank: Bank, use_demo: None) -> None:
    head = bank.own["branch_head"]
    offered = data.visible_orgs(head)["org_id"].tolist()
    assert offered[0] == "BR02" and all(o.startswith("BR02") for o in offered)
    assert not data.may_see(head, "BR01") and not data.may_see(head, "HO")
    assert not data.may_see(head, "' OR '1'='1")


def test_an_account_manager_sees_only_their_own_book(bank: Bank, use_demo: None) -> None:
    me = bank.own["account_manager"]
    listed = watchlist.listing(me, Scope("BR01"), DEC, WatchlistFilter())
    assert not listed.empty and set(listed["manager_id"]) == {bank.manager}
    backlog = inspection.overdue_backlog(me, Scope("BR01"), DEC)
    assert set(backlog["manager_id"]) <= {bank.manager}
    ranking = inspection.by_manager(me, Scope("BR01"), JUN, DEC, DEC)
    assert ranking["manager_id"].tolist() == [bank.manager]
    # the figures are those of the manager's own loans, not the branch's
    mine = data.asset_quality_at(me, Scope("BR01"), DEC)
    branch = data.asset_quality_at(bank.own["admin"], Scope("BR01"), DEC)
    assert 0 < mine.loan_count < branch.loan_count
    assert mine == data.asset_quality_at(
        bank.own["admin"], Scope("BR01", manager_id=bank.manager), DEC
    )
    with pytest.raises(ScopeError):  # asking for a peer's loans by name
        data.asset_quality_at(me, Scope("BR01", manager_id="SOMEONE-ELSE"), DEC)
    found = borrower.search(me, "BR01", bank.customer["account_manager"][:3])
    assert bank.foreign_customer["account_manager"] not in set(found["customer_id"])


def test_id_numbers_are_masked_for_branch_heads_and_account_managers(
    bank: Bank, use_demo: None
) -> None:
    customer = bank.customer["branch_head"]
    full = borrower.profile(bank.own["supervision"], customer, DEC).id_number
    assert full and "*" not in full
    masked = borrower.profile(bank.own["branch_head"], customer, DEC).id_number
    assert masked == full[:4] + "*" * (len(full) - 8) + full[-4:]
    assert borrower.profile(bank.own["branch_head"], customer, DEC).customer_name == (
        borrower.profile(bank.own["supervision"], customer, DEC).customer_name
    )  # names stay visible to a branch head
    mine = bank.customer["account_manager"]
    assert "*" in borrower.profile(bank.own["account_manager"], mine, DEC).id_number


def test_exports_and_file_openings_are_audited(bank: Bank, use_demo: None) -> None:
    head = bank.own["branch_head"]
    rows = watchlist.export_rows(head, Scope("BR02"), DEC, WatchlistFilter())()
    data.core.record_export(head, Scope("BR02"), "watchlist_BR02_20251231.csv", len(rows))
    borrower.open_file(head, bank.customer["branch_head"])
    entries = accounts.audit_entries(bank.own["admin"], username=head.username)
    detail = dict(zip(entries["event"], entries["detail"], strict=False))
    assert detail["export"] == f"file=watchlist_BR02_20251231.csv org=BR02 rows={len(rows)}"
    assert detail["open_borrower"] == f"customer={bank.customer['branch_head']}"


def _answers(call: Call, user: User, org_id: str, customer_id: str, bank: Bank) -> bool:
    """True when the call answers, False when it is refused (ScopeError)."""
    try:
        call(user, org_id, customer_id, bank)
    except ScopeError:
        return False
    return True


def _refusals(store: object) -> int:
    return sum(1 for entry in store.audit_log(100_000) if entry[3] == "refused")
