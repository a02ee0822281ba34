"""Password hashing (Argon2id), signed, expiring tokens for the API and the console cookie, and the origins
that cross-site checks compare."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

# Argon2id with RFC 9106's parameters (argon2-cffi's defaults: 64 MiB, 3 passes, about 0.1-0.2 s per hash,
# which is the point). A test suite sets CITYSAFE_TEST_CHEAP_PASSWORD_HASH=1 in its environment before importing
# this module: it makes thousands of accounts and logins, and at 0.2-1 s each (the 2-core CI machine under load)
# they were a sizeable share of its run. Any hash verifies whatever parameters made it, since the hash string
# records them. Never set it where real passwords are kept: `citysafe serve` and `demo` say so on start.
CHEAP_HASH_VARIABLE = "CITYSAFE_TEST_CHEAP_PASSWORD_HASH"
CHEAP_HASHING = os.environ.get(CHEAP_HASH_VARIABLE) == "1"
_hasher = PasswordHasher.from_parameters(profiles.CHEAPEST) if CHEAP_HASHING else PasswordHasher()
_DEFAULT_PORTS = {"http": 80, "https": 443}


def hash_password(password: str) -> str:
    return str(_hasher.hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    stamp: str  # the password stamp when issued: a later password change invalidates the token
    token_id: str  # names this one token, so logging out can revoke it and leave the user's others
    expires_at: datetime


class TokenSigner:
    """Tokens carry the user id, a password stamp and their own id (``jti``)."""

    def __init__(self, secret_key: str, ttl_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="citysafe-token")
        self._ttl = ttl_seconds

    def issue(self, user_id: int, stamp: str) -> str:
        return str(self._serializer.dumps({"uid": user_id, "st": stamp, "jti": secrets.token_hex(16)}))

    def read(self, token: str) -> TokenClaims | None:
        try:
            data, signed_at = self._serializer.loads(token, max_age=self._ttl, return_timestamp=True)
        except (SignatureExpired, BadSignature):
            return None
        # A token without an id (issued before revocation existed) could never be revoked: refused.
        if not isinstance(data, dict) or not isinstance(data.get("uid"), int) or not data.get("jti"):
            return None
        return TokenClaims(user_id=int(data["uid"]), stamp=str(data.get("st", "")), token_id=str(data["jti"]),
                           expires_at=signed_at + timedelta(seconds=self._ttl))


def password_stamp(password_hash: str) -> str:
    """A short digest of the hash: changes whenever the password does."""
    import hashlib

    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of ``url`` as a browser serialises an Origin (lower case, default port left
    out); None for anything that is not an absolute http(s) URL. Cross-site checks compare these."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != _DEFAULT_PORTS[parts.scheme] else "")


def normalise_origins(value: str) -> str:
    """A comma-separated list of origins, each as ``origin_of`` writes it; a URL with a path is an error."""
    origins = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        origin, path = origin_of(item), urlsplit(item).path
        if origin is None or path not in ("", "/"):
            raise ValueError(f"not an origin (scheme://host[:port], nothing after it): {item!r}")
        origins.append(origin)
    return ",".join(origins)
