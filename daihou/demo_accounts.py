"""One demo account per role for ``daihou demo``, with documented passwords.

These passwords are public (README "Demo accounts") and shown on the demo's sign-in page only
(``auth.show_demo_logins``, which ``daihou demo`` sets). Never use them in a bank: create real
accounts with ``daihou users add``.

The orgs come from the loaded warehouse: head office for admin, supervision and HR; the branch
with the largest book for the branch head; for the account manager, the manager of most loans
on the book in that branch, so that every demo role has something to see.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from daihou.accounts import AccountError, Accounts


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    display_name: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "demo-admin-2025", "admin", "系统管理员"),
    DemoAccount("supervision", "demo-supervision-2025", "supervision", "信贷监督部"),
    DemoAccount("branch_head", "demo-branch-2025", "branch_head", "分行行长"),
    DemoAccount("account_manager", "demo-manager-2025", "account_manager", "客户经理"),
    DemoAccount("hr", "demo-hr-2025", "hr", "人力资源部"),
)

# The head office, the branch with the largest balance on the latest month end, and the
# manager with most loans on the book there (by staff id on ties).
_DEMO_ORGS = """
    WITH latest AS (SELECT max(as_of_date) AS d FROM fct_loan_snapshot),
    book AS (
        SELECT s.loan_id, s.manager_id, s.balance, b.ancestor_org_id AS branch_id
        FROM fct_loan_snapshot AS s
        JOIN dim_loan AS l USING (loan_id)
        JOIN bridge_org_subtree AS b ON b.org_id = l.org_id
        JOIN dim_org AS o ON o.org_id = b.ancestor_org_id AND o.level = 'branch'
        WHERE s.as_of_date = (SELECT d FROM latest) AND s.balance > 0
    ),
    branch AS (
        SELECT branch_id FROM book GROUP BY branch_id ORDER BY sum(balance) DESC, branch_id
        LIMIT 1
    )
    SELECT (SELECT org_id FROM dim_org WHERE parent_org_id IS NULL ORDER BY org_id LIMIT 1),
           (SELECT branch_id FROM branch),
           (SELECT manager_id FROM book WHERE branch_id = (SELECT branch_id FROM branch)
            GROUP BY manager_id ORDER BY count(*) DESC, manager_id LIMIT 1)
"""


def create_demo_accounts(store: Accounts, con: duckdb.DuckDBPyConnection) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet (an existing username is left as it is,
    so a re-run keeps changed passwords); returns those created."""
    root, branch, manager = con.execute(_DEMO_ORGS).fetchone()
    if root is None:
        raise AccountError("the warehouse holds no org: load the demo bank first")
    org = {"branch_head": branch or root, "account_manager": branch or root}
    existing = {a.username for a in store.list()}
    created = []
    for demo in DEMO_ACCOUNTS:
        if demo.username in existing:
            continue
        staff = manager if demo.role == "account_manager" else None
        if demo.role == "account_manager" and staff is None:
            continue  # a bank without managed loans has no account manager to show
        store.add(demo.username, demo.password, demo.role, org.get(demo.role, root),
                  demo.display_name, staff)  # fmt: skip
        created.append(demo)
    return created
