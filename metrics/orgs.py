"""The org tree (DOMAIN.md "Organisation"): lookups for pickers and for scope checks.

Every figure rolls up along this tree, and a user may only ask for figures of orgs in their own
subtree; ``within_subtree`` is the one check the dashboard's data layer applies.
"""

from __future__ import annotations

import duckdb
import pandas as pd

_ROOTS = "SELECT org_id FROM dim_org WHERE parent_org_id IS NULL ORDER BY org_id"

# The subtree of $root in tree order (org_path sorts a parent before its children), with each
# org's depth below $root and its path of names from $root down.
_TREE = """
SELECT
    o.org_id,
    o.org_name,
    o.level,
    o.parent_org_id,
    r.distance AS depth,
    (
        SELECT string_agg(a.org_name, ' / ' ORDER BY ab.distance DESC)
        FROM bridge_org_subtree AS ab
        JOIN dim_org AS a ON a.org_id = ab.ancestor_org_id
        JOIN bridge_org_subtree AS ar ON ar.org_id = a.org_id AND ar.ancestor_org_id = $root
        WHERE ab.org_id = o.org_id
    ) AS path_name
FROM dim_org AS o
JOIN bridge_org_subtree AS r ON r.org_id = o.org_id AND r.ancestor_org_id = $root
ORDER BY o.org_path, o.org_id
"""

_WITHIN = """
SELECT count(*) > 0 FROM bridge_org_subtree
WHERE ancestor_org_id = $ancestor AND org_id = $org_id
"""


def root_org_id(con: duckdb.DuckDBPyConnection) -> str | None:
    """The root of the org tree (总行/联社), or None before any org was loaded."""
    rows = con.execute(_ROOTS).fetchall()
    return rows[0][0] if rows else None


def org_tree(con: duckdb.DuckDBPyConnection, root: str | None = None) -> pd.DataFrame:
    """The subtree of ``root`` (default: the whole tree) in tree order, for the org picker.

    Columns: org_id, org_name, level, parent_org_id, depth (0 at ``root``), path_name
    ("总行 / 分行 / 支行", from ``root`` down).
    """
    return con.execute(_TREE, {"root": root or root_org_id(con)}).df()


def within_subtree(con: duckdb.DuckDBPyConnection, ancestor: str, org_id: str) -> bool:
    """Whether ``org_id`` is ``ancestor`` or below it; False for an unknown org."""
    row = con.execute(_WITHIN, {"ancestor": ancestor, "org_id": org_id}).fetchone()
    return bool(row and row[0])
