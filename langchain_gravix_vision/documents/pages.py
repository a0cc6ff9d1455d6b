"""Page ranges: ``"1-3,7"`` parsed, checked and resolved against a page count.

Example:
    >>> parse_page_spec("1-3, 7")
    ((1, 3), (7, 7))
    >>> select_pages("2-3", 5, limit=10)
    [2, 3]
    >>> select_pages(None, 120, limit=50, default="all")[-1]
    50
"""

from __future__ import annotations

import re
from typing import Literal

from langchain_gravix_vision._text import short
from langchain_gravix_vision.errors import InvalidPageRange

MAX_SPEC_CHARS = 200
"""Longest page specification accepted."""
_ITEM = re.compile(r"^(\d{1,9})(?:\s*-\s*(\d{1,9})?)?$")


def parse_page_spec(spec: str) -> tuple[tuple[int, int | None], ...]:
    """Parse ``"1-3,7,10-"`` into 1-based inclusive ranges (``None``: to the end).

    Raises ``InvalidPageRange`` for anything else: page 0, reversed ranges,
    empty items, words.

    Example:
        >>> parse_page_spec("4-")
        ((4, None),)
        >>> parse_page_spec("3-1")
        Traceback (most recent call last):
        ...
        langchain_gravix_vision.errors.InvalidPageRange: page range '3-1' is reversed; write it as '1-3'
    """  # noqa: E501
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidPageRange("the page specification is empty; write e.g. '1-3,7'")
    if len(spec) > MAX_SPEC_CHARS:
        raise InvalidPageRange(
            f"the page specification is longer than {MAX_SPEC_CHARS} characters"
        )
    ranges: list[tuple[int, int | None]] = []
    for item in spec.split(","):
        match = _ITEM.match(item.strip())
        if match is None:
            raise InvalidPageRange(
                f"page range {short(item.strip(), 30)!r} is not valid; write page"
                " numbers from 1, e.g. '1-3,7' or '5-'"
            )
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else None
        if "-" not in item:
            last = first
        if first < 1:
            raise InvalidPageRange("page numbers start at 1")
        if last is not None and last < first:
            raise InvalidPageRange(
                f"page range '{first}-{last}' is reversed; write it as '{last}-{first}'"
            )
        ranges.append((first, last))
    return tuple(ranges)


def select_pages(
    spec: str | None,
    count: int,
    *,
    limit: int,
    default: Literal["first", "all"] = "first",
) -> list[int]:
    """The 1-based pages ``spec`` selects in a ``count``-page document, in order.

    Without ``spec``: page 1 (``default="first"``) or the first ``limit`` pages
    (``"all"``). An explicit selection must stay within the document and
    within ``limit`` pages, else ``InvalidPageRange``; repeats are dropped.

    Example:
        >>> select_pages("2,2,1", 3, limit=5)
        [2, 1]
        >>> select_pages("9", 3, limit=5)
        Traceback (most recent call last):
        ...
        langchain_gravix_vision.errors.InvalidPageRange: page 9 is beyond the document's 3 pages
    """  # noqa: E501
    if spec is None:
        return [1] if default == "first" else list(range(1, min(count, limit) + 1))
    pages: dict[int, None] = {}
    for first, last in parse_page_spec(spec):
        end = count if last is None else last
        beyond = first if first > count else end if end > count else None
        if beyond is not None:
            raise InvalidPageRange(
                f"page {beyond:,} is beyond the document's {count:,} pages"
            )
        added = [page for page in range(first, end + 1) if page not in pages]
        if len(pages) + len(added) > limit:
            raise InvalidPageRange(
                f"the selection has more than {limit} pages (ImagePolicy.max_pages);"
                " ask for fewer pages at a time"
            )
        pages.update(dict.fromkeys(added))
    return list(pages)


__all__ = ["MAX_SPEC_CHARS", "parse_page_spec", "select_pages"]
