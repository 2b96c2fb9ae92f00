"""The Scope as a filter over load-time aggregates that carry the loan dimensions as columns.

Same meaning as ``metrics.scope.SCOPED_LOANS`` (booking org in the subtree, each set filter
matched), on rows grouped by org_id, product, customer_type, industry_code and guarantee_type.
Aggregates do not carry the account manager: callers answer manager scopes from loan rows.
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


def aggregate_params(scope: Scope) -> dict[str, str | None]:
    """Bound parameters for AGGREGATE_SCOPE_FILTER (the scope without its manager)."""
    params = scope.params()
    del params["scope_manager_id"]
    return params
