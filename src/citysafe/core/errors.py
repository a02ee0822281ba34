"""The exception tree every domain raises; the API turns each into RFC 9457 problem+json.

Every error carries an English and a Chinese message so the console can show the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str
    message_zh: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "message_zh": self.message_zh or self.message}


@dataclass
class CitysafeError(Exception):
    """Base of all errors meant for a user. ``detail`` is English, ``detail_zh`` Chinese."""

    detail: str
    detail_zh: str = ""
    fields: list[FieldProblem] = field(default_factory=list)
    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"
    title_zh: str = "请求有误"

    def __str__(self) -> str:
        return self.detail

    def problem(self, instance: str = "") -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://citysafe.dev/problems/{self.slug}",
            "title": self.title,
            "title_zh": self.title_zh,
            "status": self.status,
            "detail": self.detail,
            "detail_zh": self.detail_zh or self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.fields:
            body["errors"] = [f.as_dict() for f in self.fields]
        return body


@dataclass
class ValidationFailed(CitysafeError):
    status: int = 422
    slug: str = "validation"
    title: str = "Invalid input"
    title_zh: str = "输入数据无效"


@dataclass
class NotFound(CitysafeError):
    status: int = 404
    slug: str = "not-found"
    title: str = "Not found"
    title_zh: str = "未找到"


@dataclass
class Unauthenticated(CitysafeError):
    status: int = 401
    slug: str = "unauthenticated"
    title: str = "Authentication required"
    title_zh: str = "需要登录"


@dataclass
class Forbidden(CitysafeError):
    status: int = 403
    slug: str = "forbidden"
    title: str = "Forbidden"
    title_zh: str = "无权操作"


@dataclass
class Conflict(CitysafeError):
    status: int = 409
    slug: str = "conflict"
    title: str = "Conflict"
    title_zh: str = "状态冲突"


@dataclass
class TooManyAttempts(CitysafeError):
    status: int = 429
    slug: str = "too-many-attempts"
    title: str = "Too many attempts"
    title_zh: str = "尝试次数过多"
    retry_after: int = 0  # seconds; sent as the Retry-After header when set


def field_error(field_name: str, message: str, message_zh: str = "") -> ValidationFailed:
    """A validation error about one field, worded for the user in both languages."""
    return ValidationFailed(
        detail=f"{field_name}: {message}",
        detail_zh=f"{field_name}：{message_zh or message}",
        fields=[FieldProblem(field_name, message, message_zh)],
    )


def not_found(what: str, what_zh: str, key: object) -> NotFound:
    return NotFound(detail=f"{what} {key} not found", detail_zh=f"未找到{what_zh} {key}")
