"""Pagination alike everywhere: ``?page=1&size=50`` in, ``{"items", "total", "page", "size"}`` out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from annotated_types import Ge, Le
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
R = TypeVar("R")
MAX_PAGE_SIZE = 500
# Far beyond any list a person pages through (50 million rows at the largest size), and small enough
# that the row offset stays a 64-bit integer: a page number of 2**63 overflowed the driver (a 500).
MAX_PAGE = 100_000
PageNumber = Annotated[int, Ge(1), Le(MAX_PAGE)]


class PageParams(BaseModel):
    page: PageNumber = 1
    size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)

    @classmethod
    def clamped(cls, page: int, size: int) -> PageParams:
        """For console pages, whose ``?page=`` is typed by hand: a page out of range shows the nearest one."""
        return cls(page=min(max(page, 1), MAX_PAGE), size=size)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def pages(self, total: int) -> int:
        """How many pages ``total`` rows fill (at least one, so an empty list still has its page 1)."""
        return max(1, -(-total // self.size))


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int


def paginate(session: Session, stmt: Select[Any], params: PageParams) -> tuple[list[Any], int]:
    """Rows of one page and the total count of the (scope-filtered) statement.

    A page that is not full, and not past the end, tells the total itself: the count is asked only when
    it could be larger (most lists fit on their first page, and each request saves a statement)."""
    rows = list(session.execute(stmt.limit(params.size).offset(params.offset)).scalars().all())
    if len(rows) < params.size and (rows or params.offset == 0):
        return rows, params.offset + len(rows)
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    return rows, int(total)


def page_of(found: tuple[Sequence[R], int], params: PageParams, read: Callable[[R], T]) -> Page[T]:
    """The page a list endpoint answers: a service's ``(rows, total)`` with each row read into its schema."""
    return page_of_all(found, params, lambda rows: [read(row) for row in rows])


def page_of_all(found: tuple[Sequence[R], int], params: PageParams,
                read_all: Callable[[Sequence[R]], list[T]]) -> Page[T]:
    """As ``page_of``, for a reader that takes the whole page at once (to load what the rows refer to in one go)."""
    rows, total = found
    return Page(items=read_all(rows), total=total, page=params.page, size=params.size)
