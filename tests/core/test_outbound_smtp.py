"""The SMTP adapter against a real SMTP server (aiosmtpd) on 127.0.0.1: Chinese subject and body intact, one
e-mail per recipient, a refused mailbox failing alone, a greylisting 4xx retried, STARTTLS, a refused
connection."""

from __future__ import annotations

import email
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from tests.core.outbound_support import RecordingSleep, free_port

from citysafe.core.outbound import Message, Outbound, RetryPolicy, SmtpAdapter

FROM = "城市安全平台 <noreply@citysafe.example.cn>"
SUBJECT = "【预警】玄武区暴雨橙色预警：请立即转移低洼地带人员"
BODY = "各位居民：\n\n预计未来3小时降雨量将达80毫米以上，请远离地下通道。\n\n——南京市应急管理局\n"


@dataclass
class Mailbox:
    """aiosmtpd handler: keeps every accepted e-mail; refuses the listed recipients with their reply."""

    refuse: dict[str, list[str]] = field(default_factory=dict)  # address → replies, one per attempt
    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)  # replies to DATA before accepting

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        replies = self.refuse.get(address)
        if replies:
            return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.data_replies:
            return self.data_replies.pop(0)
        mail = email.message_from_bytes(envelope.content, _class=EmailMessage, policy=default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), mail))
        return "250 2.0.0 queued"


@dataclass
class SmtpServer:
    mailbox: Mailbox
    port: int


def _serve(mailbox: Mailbox, **smtp: Any) -> Iterator[SmtpServer]:
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **smtp)
    controller.start()
    try:
        yield SmtpServer(mailbox, port)
    finally:
        controller.stop()


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    yield from _serve(Mailbox())


def sender(port: int, *, sleep: RecordingSleep | None = None, **adapter: Any) -> Outbound:
    smtp = SmtpAdapter(host="127.0.0.1", port=port, security=adapter.pop("security", "none"), from_address=FROM,
                       timeout=5, **adapter)
    return Outbound([smtp], retry=RetryPolicy(max_attempts=3, backoff_seconds=2), sleep=sleep or RecordingSleep())


def mail(*to: str, drill: bool = False) -> Message:
    return Message(channel="email", recipients=to, subject=SUBJECT, text=BODY, correlation_key="warning:42:email",
                   drill=drill)


def test_each_recipient_gets_its_own_email_with_chinese_intact(server: SmtpServer) -> None:
    report = sender(server.port).send(mail("zhang@example.cn", "li@example.cn"))
    assert report.all_delivered and [r.attempts for r in report.results] == [1, 1]
    assert [(frm, to) for frm, to, _ in server.mailbox.received] == [
        ("noreply@citysafe.example.cn", ["zhang@example.cn"]), ("noreply@citysafe.example.cn", ["li@example.cn"])]
    received = server.mailbox.received[0][2]
    assert received["Subject"] == SUBJECT
    assert received["To"] == "zhang@example.cn"  # nobody sees the other recipients
    assert received["From"].addresses[0].display_name == "城市安全平台"
    assert received["X-Citysafe-Correlation"] == "warning:42:email"
    # Lines end in CRLF inside the base64, the canonical form of text in MIME (RFC 2045).
    assert received.get_content().replace("\r\n", "\n") == BODY
    assert received.get_content_charset() == "utf-8"
    assert report.results[0].reference == received["Message-ID"]
    # Header and body travelled as ASCII (RFC 2047 and base64), not as raw 8-bit bytes.
    assert received.as_bytes(policy=default.clone(utf8=False)).isascii()


def test_a_drill_is_marked_in_the_subject(server: SmtpServer) -> None:
    assert sender(server.port).send(mail("zhang@example.cn", drill=True)).all_delivered
    received = server.mailbox.received[0][2]
    assert received["Subject"] == f"【演练】{SUBJECT}"
    assert received["X-Citysafe-Drill"] == "1"


def test_a_refused_mailbox_fails_alone_and_greylisting_is_retried() -> None:
    mailbox = Mailbox(refuse={"nobody@example.cn": ["550 5.1.1 no such user"] * 3,
                              "grey@example.cn": ["451 4.7.1 greylisted, try later"]})
    for server in _serve(mailbox):
        sleep = RecordingSleep()
        report = sender(server.port, sleep=sleep).send(
            mail("zhang@example.cn", "nobody@example.cn", "grey@example.cn", "li@example.cn"))
        zhang, nobody, grey, li = report.results
        assert (zhang.status, li.status) == ("delivered", "delivered")
        assert (nobody.status, nobody.attempts) == ("failed", 1)
        assert nobody.error == "RCPT TO refused: 550 5.1.1 no such user"
        assert (grey.status, grey.attempts) == ("delivered", 2)
        assert sleep.pauses == [2]
        assert sorted(to[0] for _, to, _ in mailbox.received) == ["grey@example.cn", "li@example.cn",
                                                                  "zhang@example.cn"]


def test_a_temporary_refusal_of_the_data_is_retried_and_a_permanent_one_is_not() -> None:
    mailbox = Mailbox(data_replies=["452 4.3.1 insufficient storage", "554 5.6.0 message rejected"])
    for server in _serve(mailbox):
        report = sender(server.port).send(mail("zhang@example.cn", "li@example.cn"))
        zhang, li = report.results
        assert (zhang.status, zhang.attempts) == ("delivered", 2)  # 452 first, accepted on the retry
        assert (li.status, li.attempts, li.error) == ("failed", 1, "DATA refused: 554 5.6.0 message rejected")


def test_a_malformed_address_fails_without_a_connection(server: SmtpServer) -> None:
    report = sender(server.port).send(mail("zhang@example.cn", "Zhang <zhang@example.cn>", "张@例子.中国"))
    assert [r.status for r in report.results] == ["delivered", "failed", "failed"]
    assert report.results[1].error == "not an e-mail address"
    assert "SMTPUTF8" in report.results[2].error


def test_connection_refused_is_retried_then_failed() -> None:
    sleep = RecordingSleep()
    [result] = sender(free_port(), sleep=sleep).send(mail("zhang@example.cn")).results
    assert (result.status, result.attempts) == ("failed", 3)
    assert "ConnectionRefusedError" in result.error
    assert sleep.pauses == [2, 4]


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl, present wherever the platform builds)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def test_starttls(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    for server in _serve(Mailbox(), tls_context=server_context, require_starttls=True):
        trusted = ssl.create_default_context(cafile=str(cert))
        report = sender(server.port, security="starttls", ssl_context=trusted).send(mail("zhang@example.cn"))
        assert report.all_delivered
        assert server.mailbox.received[0][2]["Subject"] == SUBJECT
        # Without STARTTLS the server refuses to take the mail (require_starttls): a permanent failure.
        [plain] = sender(server.port, security="none").send(mail("li@example.cn")).results
        assert (plain.status, plain.attempts) == ("failed", 1)
        # A certificate nobody vouched for is refused, and not retried.
        [untrusted] = sender(server.port, security="starttls").send(mail("li@example.cn")).results
        assert (untrusted.status, untrusted.attempts) == ("failed", 1) and "SSLCertVerificationError" in untrusted.error
