"""Who may see what: the signed-in user, what each role may reach, and personal-data masking.

One table of rules, read by the dashboard's data layer (which enforces it on every query) and
by the page list (which only hides what the data layer would refuse anyway):

==================  =========================================  =============  ===========
role                data it may reach                          borrower name  ID number
==================  =========================================  =============  ===========
admin               everything, accounts and the audit log     shown          shown
supervision         all orgs: figures, borrowers, staff, loads shown          shown
branch_head         own org subtree: figures, borrowers, staff shown          masked
account_manager     own loans and customers (own figures)      shown          masked
hr                  staff performance and bonus only           masked         masked
==================  =========================================  =============  ===========

"Masked" keeps enough to tell records apart and nothing to identify a person: an ID number
keeps its first four (region) and last four characters (``4301**********1234``); an individual's
name keeps its first character (``张*``). Corporate names are not personal data and stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

ROLES: tuple[str, ...] = ("admin", "supervision", "branch_head", "account_manager", "hr")


class Access(StrEnum):
    """The families of data a query belongs to."""

    PORTFOLIO = "portfolio"  # figures of an org's book: asset quality, migration, compliance
    BORROWERS = "borrowers"  # lists and files naming customers
    STAFF = "staff"  # performance scores and bonus
    LOADS = "loads"  # load runs and rejected rows (raw extract values, personal data included)
    ADMIN = "admin"  # accounts and the audit log


ROLE_ACCESS: dict[str, frozenset[Access]] = {
    "admin": frozenset(Access),
    "supervision": frozenset({Access.PORTFOLIO, Access.BORROWERS, Access.STAFF, Access.LOADS}),
    "branch_head": frozenset({Access.PORTFOLIO, Access.BORROWERS, Access.STAFF}),
    "account_manager": frozenset({Access.PORTFOLIO, Access.BORROWERS}),
    "hr": frozenset({Access.STAFF}),
}
SEES_NAMES = frozenset({"admin", "supervision", "branch_head", "account_manager"})
SEES_ID_NUMBERS = frozenset({"admin", "supervision"})
OWN_BOOK_ONLY = frozenset({"account_manager"})  # scopes narrowed to the user's own loans

CORPORATE = "corporate"  # the contract's customer_type whose names are not personal data


@dataclass(frozen=True)
class User:
    """The person using the dashboard: ``org_id`` is the root of what they may see."""

    name: str
    role: str
    org_id: str
    username: str = ""
    staff_id: str | None = None  # an account manager's own staff id

    def may(self, access: Access) -> bool:
        return access in ROLE_ACCESS.get(self.role, frozenset())

    @property
    def own_book_only(self) -> bool:
        return self.role in OWN_BOOK_ONLY


def mask_id_number(value: object) -> object:
    """``430102199001011234`` → ``4301**********1234``; short values are starred whole."""
    if not isinstance(value, str) or not value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: object) -> object:
    """``张三`` → ``张*``; ``欧阳娜娜`` → ``欧***``."""
    if not isinstance(value, str) or not value:
        return value
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_personal_data(frame: pd.DataFrame, role: str) -> pd.DataFrame:
    """``frame`` as ``role`` may see it: ``id_number`` and individuals' ``customer_name``
    masked where the role may not see them (a name whose customer type the frame does not
    carry is masked too). Returns a copy when anything changes."""
    mask_ids = "id_number" in frame.columns and role not in SEES_ID_NUMBERS
    mask_names = "customer_name" in frame.columns and role not in SEES_NAMES
    if not (mask_ids or mask_names):
        return frame
    masked = frame.copy()
    if mask_ids:
        masked["id_number"] = masked["id_number"].map(mask_id_number)
    if mask_names:
        personal = (
            masked["customer_type"] != CORPORATE
            if "customer_type" in masked.columns
            else pd.Series(True, index=masked.index)
        )
        masked.loc[personal, "customer_name"] = masked.loc[personal, "customer_name"].map(mask_name)
    return masked
