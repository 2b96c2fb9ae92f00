"""The role table and personal-data masking (daihou.access), by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from daihou.access import (
    ROLE_ACCESS,
    ROLES,
    Access,
    User,
    mask_id_number,
    mask_name,
    mask_personal_data,
)


def test_id_numbers_keep_region_and_last_four() -> None:
    assert mask_id_number("430102199001011234") == "4301**********1234"
    assert mask_id_number("43010219900101123X") == "4301**********123X"
    assert mask_id_number("91430100MA4L12345X") == "9143**********345X"  # credit code, 18
    assert mask_id_number("12345678") == "********"
    assert mask_id_number("") == "" and mask_id_number(None) is None


def test_names_keep_the_first_character() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "李*"


FRAME = pd.DataFrame(
    {
        "customer_id": ["C1", "C2", "C3"],
        "customer_name": ["王小明", "长沙市建材有限公司", "刘记小吃店"],
        "customer_type": ["individual", "corporate", "individual_business"],
        "id_number": ["430102199001011234", "91430100MA4L12345X", "430103198505052345"],
    }
)


NAMES = FRAME["customer_name"].tolist()
IDS = FRAME["id_number"].tolist()
MASKED_IDS = ["4301**********1234", "9143**********345X", "4301**********2345"]


@pytest.mark.parametrize(
    ("role", "names", "ids"),
    [
        ("admin", NAMES, IDS),
        ("supervision", NAMES, IDS),
        ("branch_head", NAMES, MASKED_IDS),
        ("account_manager", NAMES, MASKED_IDS),
        ("hr", ["王**", "长沙市建材有限公司", "刘****"], MASKED_IDS),
    ],
)
def test_masking_by_role(role: str, names: list[str], ids: list[str]) -> None:
    shown = mask_personal_data(FRAME, role)
    assert shown["customer_name"].tolist() == names
    assert shown["id_number"].tolist() == ids
    assert FRAME["id_number"].iloc[0] == "430102199001011234"  # the input is left as it was


def test_a_name_without_its_customer_type_is_masked() -> None:
    shown = mask_personal_data(FRAME[["customer_id", "customer_name"]], "hr")
    assert shown["customer_name"].tolist() == ["王**", "长********", "刘****"]


def test_the_role_table() -> None:
    assert set(ROLE_ACCESS) == set(ROLES)
    assert User("x", "hr", "HO").may(Access.STAFF)
    assert not any(User("x", "hr", "HO").may(a) for a in Access if a is not Access.STAFF)
    assert not User("x", "branch_head", "BR").may(Access.LOADS)
    assert not User("x", "account_manager", "BR", staff_id="E1").may(Access.STAFF)
    assert User("x", "account_manager", "BR", staff_id="E1").own_book_only
    assert all(User("x", "admin", "HO").may(a) for a in Access)
    assert not User("x", "nobody", "HO").may(Access.PORTFOLIO)  # an unknown role: nothing
