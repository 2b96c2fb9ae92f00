"""The org tree: one head office, branches (one per county town) and their sub-branches.

Branches differ on purpose: each has a credit-risk multiplier and a management culture (the
share of lax account managers), so that NPL ratios and inspection compliance visibly differ
between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pyarrow as pa

from daihou.generator.names import BANK_NAME, LOCALITIES, TOWN_KIND, TOWNS
from daihou.generator.scales import Scale
from daihou.generator.writer import ids, join, pick

LEVELS = ("head_office", "branch", "sub_branch")


@dataclass(frozen=True)
class Orgs:
    """Institutions in file order: the head office (index 0), the branches, the sub-branches."""

    org_id: pa.Array
    name: pa.Array
    level: np.ndarray  # index into LEVELS
    parent: np.ndarray  # org index, -1 for the root
    branch: np.ndarray  # the org's branch (itself for a branch, -1 for the head office)
    region: pa.Array  # county of the org's branch, e.g. 临河县 (null for the head office)
    region_code: np.ndarray  # 6-digit administrative division code of that county
    weight: np.ndarray  # share of the bank's customers booked at each sub-branch (0 elsewhere)
    risk: np.ndarray  # credit-risk multiplier of loans booked at the org
    culture: np.ndarray  # 0 = exemplary, 1 = lax: how likely its managers are lax or late

    @property
    def sub_branches(self) -> np.ndarray:
        return np.flatnonzero(self.level == 2)

    @property
    def branches(self) -> np.ndarray:
        return np.flatnonzero(self.level == 1)

    def table(self) -> dict[str, pa.Array]:
        parent = np.maximum(self.parent, 0)
        return {
            "org_id": self.org_id,
            "org_name": self.name,
            "level": pick(LEVELS, self.level),
            "parent_org_id": pick(self.org_id, parent, null=self.parent < 0),
        }


def build_orgs(rng: np.random.Generator, scale: Scale) -> Orgs:
    """Head office → ``scale.branches`` branches → ``scale.sub_branches`` sub-branches."""
    n_br = scale.branches
    per_branch = 2 + rng.multinomial(scale.sub_branches - 2 * n_br, rng.dirichlet([6.0] * n_br))
    per_branch = np.minimum(per_branch, len(LOCALITIES))
    n_sub = int(per_branch.sum())
    sub_branch = np.repeat(np.arange(n_br), per_branch)
    sub_no = np.arange(n_sub) - np.repeat(np.cumsum(per_branch) - per_branch, per_branch)
    # Localities differ within a branch: a random permutation per branch, taken in order.
    locality = np.argsort(rng.random((n_br, len(LOCALITIES))), axis=1)[sub_branch, sub_no]

    town = pick(TOWNS, np.arange(n_br))
    branch_id = ids("BR", np.arange(1, n_br + 1), 2)
    sub_id = join(pick(branch_id, sub_branch), ids("-S", sub_no + 1, 2))
    sub_name = join(pick(town, sub_branch), pick(LOCALITIES, locality), "支行")

    kind = rng.choice(len(TOWN_KIND), n_br, p=[0.7, 0.2, 0.1])
    county = join(town, pick(TOWN_KIND, kind))
    county_code = 361100 + 21 + np.arange(n_br)  # fictitious counties of one prefecture

    n = 1 + n_br + n_sub
    level = np.concatenate([[0], np.full(n_br, 1), np.full(n_sub, 2)]).astype(np.int8)
    parent = np.concatenate([[-1], np.zeros(n_br, dtype=np.int64), 1 + sub_branch])
    branch = np.concatenate([[-1], 1 + np.arange(n_br), 1 + sub_branch])

    # Branch risk on evenly spread normal quantiles (so every seed has good and bad branches),
    # lax management culture going with it, loan-weighted mean risk 1 (a stable bank total).
    spread = NormalDist().inv_cdf
    z_br = rng.permutation([spread((i + 0.5) / n_br) for i in range(n_br)])
    culture_br = np.clip(0.45 + 0.35 * z_br + rng.normal(0.0, 0.12, n_br), 0.02, 0.98)
    sizes = rng.lognormal(0.0, 0.5, n_sub)
    risk_br = np.exp(0.5 * z_br)
    branch_size = np.bincount(sub_branch, weights=sizes, minlength=n_br)
    risk_br = risk_br / (risk_br @ branch_size / branch_size.sum())
    risk = np.ones(n)
    risk[1 + np.arange(n_br)] = risk_br
    risk[1 + n_br :] = risk_br[sub_branch] * np.exp(rng.normal(0.0, 0.15, n_sub))
    culture = np.zeros(n)
    culture[1:] = culture_br[branch[1:] - 1]
    weight = np.zeros(n)
    weight[1 + n_br :] = sizes / sizes.sum()

    br = np.maximum(branch, 1) - 1
    return Orgs(
        org_id=pa.concat_arrays([pa.array(["HO"]), branch_id, sub_id]),
        name=pa.concat_arrays([pa.array([f"{BANK_NAME}总行"]), join(town, "分行"), sub_name]),
        level=level,
        parent=parent,
        branch=branch,
        region=pick(county, br, null=branch < 0),
        region_code=np.where(branch < 0, 0, county_code[br]),
        weight=weight,
        risk=risk,
        culture=culture,
    )
