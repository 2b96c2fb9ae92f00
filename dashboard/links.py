"""Links between pages that carry what the target page needs in its URL.

A link opens the target in a new browser tab (Streamlit's LinkColumn), which is a new session:
the URL carries the customer and the data date, and the target page checks them again.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

BORROWER_PATH = "borrower"  # url_path of the borrower-file page (dashboard/app.py)
CUSTOMER_PARAM = "customer"


def borrower_url(customer_id: str, as_of: date | None = None) -> str:
    """Relative URL of ``customer_id``'s borrower file, as of ``as_of`` when given."""
    params = {CUSTOMER_PARAM: customer_id}
    if as_of is not None:
        params["as_of"] = as_of.isoformat()
    return f"{BORROWER_PATH}?{urlencode(params)}"
