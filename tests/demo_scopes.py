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
