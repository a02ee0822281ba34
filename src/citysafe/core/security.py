"""Password hashing (Argon2id) and signed, expiring tokens for the API and the console cookie."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_hasher = PasswordHasher()


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
