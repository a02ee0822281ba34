"""Adapters that POST JSON over HTTP: ``WebhookAdapter`` (the body is the message's payload) and
``SmsGatewayAdapter`` (a generic SMS gateway: ``{"phone", "text", "sign"}`` per number).

One ``httpx.Client`` per ``deliver`` call keeps connections alive across its recipients, which are
posted to by a few threads at once: a warning to thousands of phones must not wait for each answer in
turn. The client is made per call, not kept, so an adapter holds no connection between messages and
is safe to share between worker threads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from citysafe.core.outbound.message import Attempt, JsonValue, Message, sms_segments

# Worth another attempt: the receiver is overloaded, restarting or asks us to slow down. Other 4xx say
# the request itself is wrong and would be refused again.
RETRYABLE_STATUS: Final = frozenset({408, 425, 429})
_PHONE = re.compile(r"^\+?[0-9]{5,20}$")


class _JsonPoster:
    """What both adapters share: headers, timeout, concurrency, the test transport, and how an HTTP
    answer becomes an ``Attempt``."""

    def __init__(self, *, timeout: float, headers: Mapping[str, str] | None, token: str, concurrency: int,
                 transport: httpx.BaseTransport | None) -> None:
        if timeout <= 0 or concurrency < 1:
            raise ValueError("timeout must be > 0 and concurrency ≥ 1")
        self.timeout, self.concurrency, self.transport = timeout, concurrency, transport
        self.headers = dict(headers or {})
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def post_each(self, message: Message, recipients: Sequence[str],
                  prepare: Callable[[str], tuple[str, JsonValue, dict[str, str]] | Attempt],
                  judge: Callable[[str, httpx.Response], Attempt]) -> list[Attempt]:
        """``prepare(recipient)`` gives (url, body, extra headers) or a final ``Attempt`` (bad address);
        ``judge`` turns a 2xx answer into the recipient's attempt."""
        timeout = message.timeout_seconds or self.timeout
        with httpx.Client(transport=self.transport, timeout=timeout, headers=self.headers) as client:
            def one(recipient: str) -> Attempt:
                prepared = prepare(recipient)
                if isinstance(prepared, Attempt):
                    return prepared
                url, body, headers = prepared
                return self._post(client, recipient, url, body, headers, judge)

            if len(recipients) == 1 or self.concurrency == 1:
                return [one(r) for r in recipients]
            with ThreadPoolExecutor(min(self.concurrency, len(recipients))) as pool:
                return list(pool.map(one, recipients))

    @staticmethod
    def _post(client: httpx.Client, recipient: str, url: str, body: JsonValue, headers: dict[str, str],
              judge: Callable[[str, httpx.Response], Attempt]) -> Attempt:
        try:
            response = client.post(url, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            # The receiver may have acted on it all the same; the Idempotency-Key lets it drop the repeat.
            return Attempt(recipient, "failed", error=f"timeout: {type(exc).__name__}", transient=True)
        except httpx.TransportError as exc:
            return Attempt(recipient, "failed", error=f"{type(exc).__name__}: {exc}"[:500], transient=True)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return Attempt(recipient, "failed", error=f"{type(exc).__name__}: {exc}"[:500])
        if not response.is_success:
            return Attempt(recipient, "failed", error=f"HTTP {response.status_code}: {response.text[:200]}",
                           transient=response.status_code >= 500 or response.status_code in RETRYABLE_STATUS)
        return judge(recipient, response)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _reference(response: httpx.Response, body: dict[str, Any]) -> str:
    """The receiver's id for what it accepted: the body's ``id`` or ``reference``, else the
    ``x-reference`` header (the firewatch webhooks' convention), else the status."""
    for key in ("id", "reference"):
        if body.get(key) not in (None, ""):
            return str(body[key])[:200]
    return str(response.headers.get("x-reference", f"HTTP {response.status_code}"))[:200]


def _common_headers(message: Message, key: str) -> dict[str, str]:
    headers = {"Idempotency-Key": key}
    if message.drill:
        headers["X-Citysafe-Drill"] = "1"
    return headers


class WebhookAdapter:
    """POSTs JSON to each recipient URL; any 2xx is delivered.

    The body is the message's ``payload`` as is (a drill's object payload gains ``"drill": true``, so a
    receiver that reads only the body still sees it), or, without one, ``{subject, text,
    correlation_key, drill}``. Headers: ``Idempotency-Key`` (the correlation key, the same on every
    retry), ``X-Citysafe-Drill: 1`` on drills, ``Authorization: Bearer <token>`` when a token is set.
    """

    channel: Final = "webhook"

    def __init__(self, *, timeout: float = 5.0, headers: Mapping[str, str] | None = None, token: str = "",
                 concurrency: int = 8, accepts_drills: bool = True, test_only: bool = False,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.accepts_drills, self.test_only = accepts_drills, test_only
        self._poster = _JsonPoster(timeout=timeout, headers=headers, token=token, concurrency=concurrency,
                                   transport=transport)

    def deliver(self, message: Message, recipients: Sequence[str]) -> list[Attempt]:
        body = webhook_body(message)

        def prepare(url: str) -> tuple[str, JsonValue, dict[str, str]] | Attempt:
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
                return Attempt(url, "failed", error="not an http(s) URL")
            return url, body, _common_headers(message, message.correlation_key)

        def judge(url: str, response: httpx.Response) -> Attempt:
            return Attempt(url, "delivered", reference=_reference(response, _json_object(response)))

        return self._poster.post_each(message, recipients, prepare, judge)


def webhook_body(message: Message) -> JsonValue:
    if message.payload is None:
        return {"subject": message.subject, "text": message.text, "correlation_key": message.correlation_key,
                "drill": message.drill}
    if message.drill and isinstance(message.payload, dict):
        return {**message.payload, "drill": True}
    return message.payload


class SmsGatewayAdapter:
    """Sends an SMS per phone number through an HTTP gateway (one POST per number).

    The request, documented in docs/outbound.md: ``POST <url>`` with ``{"phone": "+8613800000000",
    "text": "…", "sign": "…"}``, the configured headers, ``Authorization: Bearer <token>`` when a token is
    set, and ``Idempotency-Key: <correlation key>:<phone>``. A 2xx answer is delivered unless its JSON body
    says ``"ok": false`` (then ``error``/``message`` is the reason); ``id`` or ``reference`` in the body is
    kept as the reference. Each result reports the billed segment count (70 characters, then 67 per part,
    the 【sign】 included). A drill's text starts with 【演练】.
    """

    channel: Final = "sms"

    def __init__(self, *, url: str, sign: str = "", timeout: float = 5.0, headers: Mapping[str, str] | None = None,
                 token: str = "", concurrency: int = 8, accepts_drills: bool = True, test_only: bool = False,
                 transport: httpx.BaseTransport | None = None) -> None:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"the SMS gateway URL must be http(s): {url!r}")
        self.url, self.sign = url, sign
        self.accepts_drills, self.test_only = accepts_drills, test_only
        self._poster = _JsonPoster(timeout=timeout, headers=headers, token=token, concurrency=concurrency,
                                   transport=transport)

    def deliver(self, message: Message, recipients: Sequence[str]) -> list[Attempt]:
        text = message.marked_text()
        segments = sms_segments(text, self.sign)

        def prepare(recipient: str) -> tuple[str, JsonValue, dict[str, str]] | Attempt:
            phone = normalised_phone(recipient)
            if phone is None:
                return Attempt(recipient, "failed", error="not a phone number")
            body = {"phone": phone, "text": text, "sign": self.sign}
            return self.url, body, _common_headers(message, f"{message.correlation_key}:{phone}")

        def judge(recipient: str, response: httpx.Response) -> Attempt:
            body = _json_object(response)
            if body.get("ok") is False:
                reason = str(body.get("error") or body.get("message") or "refused by the gateway")
                return Attempt(recipient, "failed", error=reason[:500], segments=segments)
            return Attempt(recipient, "delivered", reference=_reference(response, body), segments=segments)

        return self._poster.post_each(message, recipients, prepare, judge)


def normalised_phone(recipient: str) -> str | None:
    """The number without the spaces and hyphens people write; None when it is not a phone number."""
    number = re.sub(r"[\s-]", "", recipient)
    return number if _PHONE.match(number) else None
