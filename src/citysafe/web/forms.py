"""What every console form handler does the same way: read the posted fields, run the action, and answer with
a redirect back to the page that holds the form, carrying a message (?ok=… or ?error=…).

A refused action (a domain error or a validation error) rolls the unit of work back before the redirect, so a
half-made change never commits, and its message names each field as the form labels it (web/messages.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from citysafe.core.errors import CitysafeError, field_error
from citysafe.web.i18n import DEFAULT_LANGUAGE, Translator
from citysafe.web.messages import form_message


def back(path: str, *, ok: str = "", error: str = "") -> RedirectResponse:
    """303 to ``path`` (a console page of ours) with the message the page shows at its top."""
    query = urlencode({k: v for k, v in (("ok", ok), ("error", error)) if v})
    separator = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{separator}{query}" if query else path, status_code=303)


def posted(form: FormData, names: Iterable[str]) -> dict[str, str]:
    """The named fields of a posted form as stripped text ('' when absent), the shape forms are re-shown with."""
    return {name: str(form.get(name, "")).strip() for name in names}


def optional_int(values: Mapping[str, str], name: str) -> int | None:
    """A select or number field holding a row id or a count: None when left empty, a Chinese field error
    when it is not a whole number."""
    if not values.get(name):
        return None
    try:
        return int(values[name])
    except ValueError as exc:
        raise field_error(name, "must be a whole number", "须填写整数") from exc


def optional_float(values: Mapping[str, str], name: str) -> float | None:
    if not values.get(name):
        return None
    try:
        return float(values[name])
    except ValueError as exc:
        raise field_error(name, "must be a number", "须填写数字") from exc


def optional_moment(values: Mapping[str, str], name: str, timezone: str) -> datetime | None:
    """A datetime-local field: wall time in the city's zone (``timezone``); None when left empty."""
    if not values.get(name):
        return None
    try:
        return datetime.fromisoformat(values[name]).replace(tzinfo=ZoneInfo(timezone))
    except ValueError as exc:
        raise field_error(name, "not a date and time", "日期时间格式不正确") from exc


def run_action(db: Session, path: str, action: Callable[[], str], *,
               labels: Mapping[str, str] | None = None, error_path: str | None = None,
               t: Translator | None = None) -> RedirectResponse:
    """Run ``action`` (which returns the success message, already in the reader's language) and redirect to
    ``path`` with it; when the action is refused, roll back and redirect to ``error_path`` (default ``path``) with
    the refusal in the language of ``t`` (``translator(request)``; Chinese without it)."""
    try:
        ok = action()
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back(error_path or path, error=form_message(exc, labels, t or Translator(DEFAULT_LANGUAGE)))
    return back(path, ok=ok)


def reshown(response: HTMLResponse, failed: object | None) -> HTMLResponse:
    """A page shown again with a refused form answers 422, as the API would; the page itself is the answer."""
    if failed:
        response.status_code = 422
    return response


def flash(request: Request) -> dict[str, str]:
    """The message a form's redirect carried (web/forms.back) for the page to show at its top."""
    return {"ok": request.query_params.get("ok", ""), "error": request.query_params.get("error", "")}
