"""Region and organisation scope, enforced in one place for every domain's queries.

The acting user's scope is put on the session (``bind_scope``). From then on:

* every ORM SELECT, UPDATE and DELETE touching a ``RegionScoped`` class is filtered to rows whose
  ``region_code`` lies in the scope's subtree, and a ``OrgScoped`` class to the user's organisation,
  so an object outside answers as absent, in lists and by id alike;
* every flush refuses a new or changed scoped row whose region lies outside the subtree.

Services therefore write ordinary queries; forgetting a filter cannot leak another district's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.elements import ColumnElement

from citysafe.core.db import RegionScoped
from citysafe.core.errors import Forbidden
from citysafe.core.validators import region_prefix

# Division codes are digits, so every code with the prefix sorts between prefix and prefix + "~":
# a range the region_code index serves on SQLite and PostgreSQL alike (LIKE would not, on PostgreSQL).
_UPPER_SENTINEL = "~"


@dataclass(frozen=True)
class Scope:
    region_code: str
    organization_id: int | None = None

    @property
    def prefix(self) -> str:
        return region_prefix(self.region_code)

    def covers(self, code: str | None) -> bool:
        return code is not None and code.startswith(self.prefix)


class OrgScoped:
    """Rows owned by one organisation; an enterprise user sees only its own."""

    __org_scope_column__ = "organization_id"


def _org_scoped_classes() -> list[type[OrgScoped]]:
    from citysafe.core.db import Base

    return [m.class_ for m in Base.registry.mappers if issubclass(m.class_, OrgScoped)]


def region_clause(column: Any, prefix: str) -> ColumnElement[bool]:
    """``column`` lies in the subtree of ``prefix`` (the scope filter's lambda spells the same range out,
    because SQLAlchemy's lambda caching needs the comparison written inline)."""
    return and_(column >= prefix, column < prefix + _UPPER_SENTINEL)


def in_region(column: Any, code: str) -> ColumnElement[bool]:
    """``column`` holds a division inside ``code`` (the filter of every list's ``region=`` parameter)."""
    return region_clause(column, region_prefix(code))


def bind_scope(session: Session, scope: Scope | None) -> None:
    """Restrict this session to ``scope``; ``None`` is the system's own unrestricted access."""
    session.info["scope"] = scope


def current_scope(session: Session) -> Scope | None:
    scope = session.info.get("scope")
    return scope if isinstance(scope, Scope) else None


@event.listens_for(Session, "do_orm_execute")
def _filter_to_scope(state: ORMExecuteState) -> None:
    scope = current_scope(state.session)
    if scope is None or not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.execution_options.get("skip_scope", False):
        return
    prefix = scope.prefix
    options = [
        with_loader_criteria(
            RegionScoped,
            lambda cls: and_(cls.region_code >= prefix, cls.region_code < prefix + _UPPER_SENTINEL),
            include_aliases=True,
        )
    ]
    if scope.organization_id is not None:
        org_id = scope.organization_id
        # One plain criterion per mapped class: the owning column's name differs between classes.
        options.extend(
            with_loader_criteria(cls, getattr(cls, cls.__org_scope_column__) == org_id, include_aliases=True)
            for cls in _org_scoped_classes()
        )
    state.statement = state.statement.options(*options)


@event.listens_for(Session, "before_flush")
def _refuse_writes_outside_scope(session: Session, _ctx: Any, _instances: Any) -> None:
    scope = current_scope(session)
    if scope is None:
        return
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, RegionScoped) and not scope.covers(obj.region_code):
            raise Forbidden(
                detail=f"region {obj.region_code} is outside your scope {scope.region_code}",
                detail_zh=f"行政区划 {obj.region_code} 不在您的管辖范围 {scope.region_code} 内",
            )
        if (
            isinstance(obj, OrgScoped)
            and scope.organization_id is not None
            and getattr(obj, obj.__org_scope_column__) != scope.organization_id
        ):
            raise Forbidden(detail="organisation is outside your scope", detail_zh="该单位不在您的权限范围内")
