"""The Scope as a filter over load-time aggregates that carry the loan dimensions as columns.

Same meaning as ``metrics.scope.SCOPED_LOANS`` (booking org in the subtree, each set filter
matched), on rows grouped by org_id, product, customer_type, industry_code and guarantee_type.
The whole-bank aggregates do not carry the account manager; each family has a twin table with
the manager as one more dimension (``agg_class_manager_month``, ``agg_bucket_manager_transition``,
``agg_vintage_manager_*``), read with AGGREGATE_MANAGER_FILTER for a scope with a manager.
"""

from __future__ import annotations

from metrics.scope import Scope

# Append to a WHERE clause over an aggregate table aliased ``a``.
AGGREGATE_SCOPE_FILTER = """
    a.org_id IN (SELECT org_id FROM bridge_org_subtree WHERE ancestor_org_id = $scope_org_id)
    AND ($scope_product IS NULL OR a.product = $scope_product)
    AND ($scope_customer_type IS NULL OR a.customer_type = $scope_customer_type)
    AND ($scope_industry_code IS NULL OR a.industry_code = $scope_industry_code)
    AND ($scope_guarantee_type IS NULL OR a.guarantee_type = $scope_guarantee_type)
"""

# Append as well over a per-manager aggregate aliased ``a`` (the scope's manager is set): the
# manager is a plain equality, so that the scan skips the row groups of other managers.
AGGREGATE_MANAGER_FILTER = "a.manager_id = $scope_manager_id"


def aggregate_params(scope: Scope) -> dict[str, str | None]:
    """Bound parameters for AGGREGATE_SCOPE_FILTER (the scope without its manager)."""
    params = scope.params()
    del params["scope_manager_id"]
    return params


def manager_aggregate_params(scope: Scope) -> dict[str, str | None]:
    """Bound parameters for AGGREGATE_SCOPE_FILTER and AGGREGATE_MANAGER_FILTER."""
    if scope.manager_id is None:
        raise ValueError("a per-manager aggregate needs a scope with a manager")
    return scope.params()
