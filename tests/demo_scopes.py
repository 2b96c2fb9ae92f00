"""Scopes of the demo bank that the aggregate-vs-loan-level checks run over."""

from __future__ import annotations

import duckdb

from metrics.scope import Scope


def demo_scopes(con: duckdb.DuckDBPyConnection) -> list[Scope]:
    """Root, a branch, a sub-branch with loans, a product filter and a customer-type filter."""
    root = con.execute("SELECT org_id FROM dim_org WHERE parent_org_id IS NULL").fetchall()[0][0]
    # the first sub-branch with loans, and its branch
    branch, sub_branch = con.execute(
        "SELECT o.parent_org_id, o.org_id FROM dim_org AS o "
        "WHERE o.level = 'sub_branch' AND o.org_id IN (SELECT org_id FROM dim_loan) "
        "ORDER BY o.org_id LIMIT 1"
    ).fetchall()[0]
    return [
        Scope(root),
        Scope(branch),
        Scope(sub_branch),
        Scope(root, product="personal_consumer"),
        Scope(root, customer_type="corporate"),
    ]


def demo_manager_scopes(con: duckdb.DuckDBPyConnection) -> list[Scope]:
    """Account-manager scopes (Scope.manager_id, as the data layer sets it for that role).

    The manager with the largest book, in their own org; the manager with the most loans
    handed over to or from them (their figures depend on which manager the metric takes: at
    the month end, at t−1, at MOB 0), over the whole bank and in their branch with a product
    filter; and the first manager in a branch where they book nothing (empty figures).
    """
    root = con.execute("SELECT org_id FROM dim_org WHERE parent_org_id IS NULL").fetchall()[0][0]
    largest, own_org = con.execute(
        "SELECT s.manager_id, st.org_id FROM fct_loan_snapshot AS s "
        "JOIN dim_staff AS st ON st.staff_id = s.manager_id "
        "GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchall()[0]
    handed = con.execute(
        "WITH handed AS (SELECT loan_id FROM fct_loan_snapshot GROUP BY 1 "
        "                HAVING count(DISTINCT manager_id) > 1) "
        "SELECT manager_id FROM fct_loan_snapshot WHERE loan_id IN (SELECT loan_id FROM handed) "
        "GROUP BY 1 ORDER BY count(DISTINCT loan_id) DESC, 1 LIMIT 1"
    ).fetchall()[0][0]
    branch, product = con.execute(
        "SELECT o.parent_org_id, l.product FROM fct_loan_snapshot AS s "
        "JOIN dim_loan AS l ON l.loan_id = s.loan_id JOIN dim_org AS o ON o.org_id = l.org_id "
        "WHERE s.manager_id = $manager GROUP BY ALL ORDER BY count(*) DESC, 1, 2 LIMIT 1",
        {"manager": handed},
    ).fetchall()[0]
    elsewhere = con.execute(
        "SELECT o.org_id FROM dim_org AS o WHERE o.level = 'branch' AND o.org_id NOT IN "
        "(SELECT b.ancestor_org_id FROM bridge_org_subtree AS b JOIN dim_loan AS l "
        " ON l.org_id = b.org_id JOIN fct_loan_snapshot AS s ON s.loan_id = l.loan_id "
        " WHERE s.manager_id = $manager) ORDER BY 1 LIMIT 1",
        {"manager": largest},
    ).fetchall()[0][0]
    return [
        Scope(own_org, manager_id=largest),
        Scope(root, manager_id=handed),
        Scope(branch, product=product, manager_id=handed),
        Scope(elsewhere, manager_id=largest),
    ]
