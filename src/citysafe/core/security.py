"""Password hashing (Argon2id), signed, expiring tokens for the API and the console cookie, and the origins
that cross-site checks compare."""

from __future__ import annotations

from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_hasher = PasswordHasher()
_DEFAULT_PORTS = {"http": 80, "https": 443}


def hash_password(password: str) -> str:
    return str(_hasher.hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


class TokenSigner:
    """Tokens carry the user id and a password stamp, so changing a password revokes old tokens."""

    def __init__(self, secret_key: str, ttl_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="citysafe-token")
        self._ttl = ttl_seconds

    def issue(self, user_id: int, stamp: str) -> str:
        return str(self._serializer.dumps({"uid": user_id, "st": stamp}))

    def read(self, token: str) -> tuple[int, str] | None:
        try:
            data = self._serializer.loads(token, max_age=self._ttl)
        except (SignatureExpired, BadSignature):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
            return None
        return int(data["uid"]), str(data.get("st", ""))


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
