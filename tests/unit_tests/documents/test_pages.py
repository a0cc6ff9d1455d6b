"""Page ranges: the syntax, the document bounds and the cap."""

from __future__ import annotations

import pytest

from langchain_gravix_vision.documents import parse_page_spec, select_pages
from langchain_gravix_vision.errors import InvalidPageRange


@pytest.mark.parametrize(
    ("spec", "ranges"),
    [
        ("1", ((1, 1),)),
        ("1-3,7", ((1, 3), (7, 7))),
        (" 2 - 4 , 9 ", ((2, 4), (9, 9))),
        ("5-", ((5, None),)),
    ],
)
def test_valid_specs_parse(spec: str, ranges: tuple) -> None:
    assert parse_page_spec(spec) == ranges


@pytest.mark.parametrize(
    "spec",
    [
        "",
        " ",
        "0",
        "3-1",
        "1,,2",
        "-3",
        "a",
        "1-2-3",
        "1.5",
        "first",
        "1;2",
        "x" * 201,
        "9999999999",
    ],
)
def test_nonsense_is_refused(spec: str) -> None:
    with pytest.raises(InvalidPageRange):
        parse_page_spec(spec)


def test_selection_is_ordered_and_unique() -> None:
    assert select_pages("3,1-2,2", 5, limit=10) == [3, 1, 2]
    assert select_pages("4-", 6, limit=10) == [4, 5, 6]


def test_defaults() -> None:
    assert select_pages(None, 9, limit=5) == [1]
    assert select_pages(None, 9, limit=5, default="all") == [1, 2, 3, 4, 5]
    assert select_pages(None, 2, limit=5, default="all") == [1, 2]


def test_pages_beyond_the_document_are_refused() -> None:
    with pytest.raises(InvalidPageRange, match="beyond the document's 3 pages"):
        select_pages("2-4", 3, limit=10)


def test_explicit_selection_over_the_cap_is_refused() -> None:
    with pytest.raises(InvalidPageRange, match="max_pages"):
        select_pages("1-6", 100, limit=5)
    assert select_pages("1-5,1", 100, limit=5) == [1, 2, 3, 4, 5]


def test_huge_range_is_refused_without_expanding() -> None:
    with pytest.raises(InvalidPageRange):
        select_pages("1-999999999", 10, limit=5)
