"""The scope every figure is computed for: an org subtree plus optional loan filters.

Scope values reach SQL only as bound parameters (``$org_id`` …); the SQL text itself is
constant, so no user input can change a query's shape. A current user's permissions narrow the
scope before it gets here (a branch head's org, an account manager's own loans).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Scope:
    """An org subtree (METRICS.md preamble: a loan belongs to its booking org_id) and filters."""

    org_id: str
    product: str | None = None
    customer_type: str | None = None
    industry_code: str | None = None
    guarantee_type: str | None = None
    manager_id: str | None = None  # only this manager's loans (as of the month in question)

    @property
    def has_loan_filters(self) -> bool:
        """Whether the scope narrows loans by product, customer type, industry or guarantee
        (the org and the manager are the dimensions most aggregates keep)."""
        return any((self.product, self.customer_type, self.industry_code, self.guarantee_type))

    def params(self) -> dict[str, str | None]:
        """Bound parameters for SCOPED_LOANS (names match the ``$`` placeholders)."""
        return {f"scope_{k}": v for k, v in asdict(self).items()}


# Loans in scope: booked in the org subtree and matching every filter that is set.
# Use as a CTE: f"WITH scoped_loan AS ({SCOPED_LOANS}) ..." with Scope.params().
# manager_id is a snapshot attribute; queries that honour it join fct_loan_snapshot themselves
# with SNAPSHOT_MANAGER_FILTER.
SCOPED_LOANS = """
    SELECT l.*
    FROM dim_loan AS l
    JOIN bridge_org_subtree AS b
      ON b.org_id = l.org_id AND b.ancestor_org_id = $scope_org_id
    JOIN dim_customer AS c ON c.customer_id = l.customer_id
    WHERE ($scope_product IS NULL OR l.product = $scope_product)
      AND ($scope_customer_type IS NULL OR c.customer_type = $scope_customer_type)
      AND ($scope_industry_code IS NULL OR c.industry_code = $scope_industry_code)
      AND ($scope_guarantee_type IS NULL OR l.guarantee_type = $scope_guarantee_type)
"""

# Append to a WHERE clause over fct_loan_snapshot aliased ``s``.
SNAPSHOT_MANAGER_FILTER = "($scope_manager_id IS NULL OR s.manager_id = $scope_manager_id)"
