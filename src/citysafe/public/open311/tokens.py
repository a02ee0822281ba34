"""GeoReport v2 tokens: ``POST requests`` may answer a ``token`` for a request not yet stored, and ``GET
tokens/{token}`` then answers its ``service_request_id`` once known. Here a POST is stored before it is answered,
so the id is known at once; the token is given all the same (clients written for queued endpoints follow it).

A token names the POST's counter row (``pub_open311_post``) and carries an HMAC of it under the application's
secret: nothing new is stored, a token cannot be made up for another row, and it says nothing a service request
does not already say.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from pydantic import BaseModel
from sqlalchemy.orm import Session

from citysafe.core.errors import NotFound
from citysafe.public.open311.models import Open311Post

MAC_CHARS = 20  # 80 bits of HMAC-SHA256: far beyond guessing through a rate-limited public endpoint
_TOKEN = re.compile(rf"^(\d{{1,18}})-([0-9a-f]{{{MAC_CHARS}}})$")


class TokenAnswer(BaseModel):
    """One item of ``GET tokens/{token}`` (GeoReport v2): the request's id once it exists, and the token."""

    service_request_id: str | None
    token: str


def _mac(secret: str, post_id: int) -> str:
    return hmac.new(secret.encode(), f"open311-token:{post_id}".encode(), hashlib.sha256).hexdigest()[:MAC_CHARS]


def issue(secret: str, *, post_id: int) -> str:
    """The token of the POST counted as ``post_id``."""
    return f"{post_id}-{_mac(secret, post_id)}"


def lookup(session: Session, *, token: str, secret: str) -> TokenAnswer:
    """The request a token was given for: 404 for a token this platform did not give, or a refused POST's."""
    found = _TOKEN.match(token.strip().lower())
    row = None
    if found and hmac.compare_digest(found.group(2), _mac(secret, int(found.group(1)))):
        row = session.get(Open311Post, int(found.group(1)))
    if row is None or row.report_id is None:
        raise NotFound(detail=f"no service request for token {token[:60]!r}",
                       detail_zh="没有与该 token 对应的举报")
    return TokenAnswer(service_request_id=str(row.report_id), token=found.group(0) if found else token)
