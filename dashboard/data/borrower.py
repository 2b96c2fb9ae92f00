"""Data of the borrower file (客户视图): one customer, every section, for one user.

A customer is shown to a user only when the role may see borrowers and the customer has a loan
booked in the user's subtree (for an account manager: a loan they manage now;
``metrics.borrower.customer_in_scope``); every function checks that first and raises
``core.ScopeError`` otherwise (unknown and out-of-scope customers get the same answer, so the
refusal tells nothing about other branches' customers). Search is limited likewise. Opening a
file goes to the audit log (``open_file``). Results are cached per (generation, customer, as-of
date); lists and the profile carrying the customer's name or ID number pass
``core.customer_list``.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pandas as pd
import streamlit as st

from daihou.access import Access, User
from daihou.settings import AssetQualityRules, InspectionRules, default_settings
from dashboard.data.core import (
    TTL,
    ScopeError,
    audit,
    authorise,
    current_generation,
    cursor,
    customer_list,
    refuse,
    require,
)
from metrics import borrower
from metrics.borrower import SEARCH_LIMIT, Collateral, Exposure, Profile
from metrics.scope import Scope

MAX_CUSTOMERS = 256  # (customer, as-of date) pairs kept per section
MAX_SEARCHES = 128


# -- search and authorisation --------------------------------------------------------------


def search(user: User, org_id: str, text: str, limit: int = SEARCH_LIMIT) -> pd.DataFrame:
    """Customers of the subtree of ``org_id`` (which the user must be allowed to see) whose id
    or name matches ``text``; columns as metrics.borrower.search_customers."""
    gen = current_generation()
    scope = authorise(gen, user, Scope(org_id), Access.BORROWERS)
    found = _search(gen, org_id, text.strip(), limit, scope.manager_id)
    return customer_list(user, found)


def authorise_customer(user: User, customer_id: str) -> None:
    """Refuse a customer the user may not see (see the module docstring)."""
    _checked(user, customer_id)


def open_file(user: User, customer_id: str) -> None:
    """Authorise the customer's file for the user and record the opening in the audit log."""
    _checked(user, customer_id)
    audit(user, "open_borrower", f"customer={customer_id}")


# -- sections ----------------------------------------------------------------------------------


def profile(user: User, customer_id: str, as_of: date) -> Profile:
    """Identity, rating, responsible manager and org (the name and ID number as the user may
    see them)."""
    gen = _checked(user, customer_id)
    found = _profile(gen, customer_id, as_of)
    if found is None:  # authorised, so it has loans; a customer row missing is a data fault
        raise ScopeError(f"customer {customer_id!r} is unknown")
    shown = customer_list(user, pd.DataFrame([asdict(found)]))
    return borrower.profile_from_row(shown.iloc[0].to_dict())


def rating_history(user: User, customer_id: str, as_of: date) -> pd.DataFrame:
    return _rating_history(_checked(user, customer_id), customer_id, as_of)


def loans(user: User, customer_id: str, as_of: date) -> pd.DataFrame:
    return _loans(_checked(user, customer_id), customer_id, as_of)


def exposure(user: User, customer_id: str, as_of: date) -> Exposure:
    """The customer's on-book totals at ``as_of`` (from the same cached loans frame)."""
    return borrower.exposure(loans(user, customer_id, as_of))


def loan_history(user: User, customer_id: str, as_of: date) -> pd.DataFrame:
    return _loan_history(_checked(user, customer_id), customer_id, as_of)


def obligations(user: User, customer_id: str, as_of: date) -> pd.DataFrame:
    return _obligations(_checked(user, customer_id), customer_id, as_of)


def inspections(user: User, customer_id: str, as_of: date) -> pd.DataFrame:
    return _inspections(_checked(user, customer_id), customer_id, as_of)


def signals(user: User, customer_id: str, as_of: date) -> pd.DataFrame:
    return _signals(_checked(user, customer_id), customer_id, as_of)


def collateral(user: User, customer_id: str, as_of: date) -> Collateral:
    return _collateral(_checked(user, customer_id), customer_id, as_of)


def collections(user: User, customer_id: str, as_of: date) -> pd.DataFrame:
    return _collections(_checked(user, customer_id), customer_id, as_of)


def inspection_rules() -> InspectionRules:
    """The configured obligation rules (fixed for the process, so not part of cache keys)."""
    return default_settings().inspection


def asset_quality_rules() -> AssetQualityRules:
    return default_settings().asset_quality


# -- internals -------------------------------------------------------------------------------


def _checked(user: User, customer_id: str) -> str:
    """The current generation, after refusing (and auditing) a customer the user may not see."""
    gen = current_generation()
    require(user, Access.BORROWERS, f"customer={customer_id}")
    manager = user.staff_id if user.own_book_only else None
    if not _in_scope(gen, customer_id, user.org_id, manager):
        refuse(
            user,
            f"customer={customer_id}",
            f"customer {customer_id!r} is unknown or outside {user.name}'s scope",
        )
    return gen


@st.cache_data(ttl=TTL, max_entries=MAX_SEARCHES, show_spinner=False)
def _search(gen: str, org_id: str, text: str, limit: int, manager_id: str | None) -> pd.DataFrame:
    with cursor(gen) as con:
        return borrower.search_customers(con, text, org_id, limit, manager_id)


@st.cache_data(ttl=TTL, max_entries=MAX_CUSTOMERS, show_spinner=False)
def _in_scope(gen: str, customer_id: str, org_id: str, manager_id: str | None) -> bool:
    with cursor(gen) as con:
        return borrower.customer_in_scope(con, customer_id, org_id, manager_id)


@st.cache_data(ttl=TTL, max_entries=MAX_CUSTOMERS, show_spinner=False)
def _profile(gen: str, customer_id: str, as_of: date) -> Profile | None:
    with cursor(gen) as con:
        return borrower.profile(con, customer_id, as_of)


@st.cache_data(ttl=TTL, max_entries=MAX_CUSTOMERS, show_spinner=False)
def _rating_history(gen: str, customer_id: str, as_of: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return borrower.rating_history(con, customer_id, as_of)


@st.cache_data(ttl=TTL, max_entries=MAX_CUSTOMERS, show_spinner=False)
def _loans(gen: str, customer_id: str, as_of: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return borrower.loans(con, customer_id, as_of, asset_quality_rules())


@st.cache_data(ttl=TTL, max_entries=MAX_CUSTOMERS, show_spinner=False)
def _loan_history(gen: str, customer_id: str, as_of: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return borrower.loan_history(con, customer_id, as_of)


@st.cache_data(ttl=TTL, max_entries=MAX_CUSTOMERS, show_spinner=False)
def _obligations(gen: str, customer_id: str, as_of: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return borrower.customer_obligations(con, customer_id, as_of, inspection_rules())


@st.cache_data(ttl=TTL, max_entries=MAX_CUSTOMERS, show_spinner=False)
def _inspections(gen: str, customer_id: str, as_of: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return borrower.customer_inspections(con, customer_id, as_of, inspection_rules())


@st.cache_data(ttl=TTL, max_entries=MAX_CUSTOMERS, show_spinner=False)
def _signals(gen: str, customer_id: str, as_of: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return borrower.signals(con, customer_id, as_of)


@st.cache_data(ttl=TTL, max_entries=MAX_CUSTOMERS, show_spinner=False)
def _collateral(gen: str, customer_id: str, as_of: date) -> Collateral:
    with cursor(gen) as con:
        return borrower.collateral(con, customer_id, as_of, inspection_rules())


@st.cache_data(ttl=TTL, max_entries=MAX_CUSTOMERS, show_spinner=False)
def _collections(gen: str, customer_id: str, as_of: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return borrower.collections(con, customer_id, as_of)
