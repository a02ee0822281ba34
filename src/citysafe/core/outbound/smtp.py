"""``SmtpAdapter``: e-mail over SMTP with the standard library (``smtplib``), one message per recipient.

One message per recipient, not one with every address in To: a warning to thousands of citizens must not
hand each of them the others' addresses, and each address gets its own result (a refused mailbox fails
alone). They share one connection per ``deliver`` call. MAIL/RCPT/DATA are sent one by one rather than
with ``sendmail`` so each recipient's refusal is read with its code: 4xx is transient (greylisting, a full
queue), 5xx permanent.

Subjects and bodies are UTF-8 (``email.message.EmailMessage`` with the SMTP policy: an RFC 2047 encoded
subject, a base64 body when it is not ASCII), which every client of the last twenty years decodes — GBK
would gain nothing and break the odd non-Chinese mailbox.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Final, Literal

from citysafe.core.outbound.message import Attempt, Message

SmtpSecurity = Literal["none", "starttls", "ssl"]


class SmtpAdapter:
    """Sends ``message`` as an e-mail to each address.

    ``security``: ``starttls`` (submission, port 587: upgrade the connection before anything else is
    said), ``ssl`` (implicit TLS, port 465) or ``none`` (a relay on the same host or network). Credentials
    are optional: with a username, the adapter logs in (after STARTTLS when that is on).
    The reference of a delivered recipient is its message's Message-ID, which bounces and mail logs quote.
    """

    channel: Final = "email"

    def __init__(self, *, host: str, from_address: str, port: int = 587, security: SmtpSecurity = "starttls",
                 username: str = "", password: str = "", timeout: float = 10.0,
                 ssl_context: ssl.SSLContext | None = None, accepts_drills: bool = True,
                 test_only: bool = False) -> None:
        envelope_from = parseaddr(from_address)[1]
        if not host or "@" not in envelope_from:
            raise ValueError(f"SMTP needs a host and a from-address (got {host!r}, {from_address!r})")
        self.host, self.port, self.security, self.timeout = host, port, security, timeout
        self.from_address, self.envelope_from = from_address, envelope_from
        self.username, self.password = username, password
        self.ssl_context = ssl_context
        self.accepts_drills, self.test_only = accepts_drills, test_only

    def deliver(self, message: Message, recipients: Sequence[str]) -> list[Attempt]:
        attempts: dict[str, Attempt] = {}
        valid: list[str] = []
        for recipient in recipients:
            problem = _address_problem(recipient)
            if problem:
                attempts[recipient] = Attempt(recipient, "failed", error=problem)
            else:
                valid.append(recipient)
        if valid:
            attempts.update(self._send_all(message, valid))
        return [attempts[r] for r in recipients]

    def compose(self, message: Message, recipient: str) -> EmailMessage:
        """The e-mail one recipient receives (public so a preview or a test can look at it)."""
        mail = EmailMessage(policy=policy.SMTP)
        mail["From"] = self.from_address
        mail["To"] = recipient
        mail["Subject"] = message.marked_subject()
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = make_msgid(domain=self.envelope_from.rpartition("@")[2])
        mail["X-Citysafe-Correlation"] = message.correlation_key
        if message.drill:
            mail["X-Citysafe-Drill"] = "1"
        # 8bit would need the server's 8BITMIME; base64 passes everywhere.
        mail.set_content(message.text, cte=None if message.text.isascii() else "base64")
        return mail

    def _send_all(self, message: Message, recipients: list[str]) -> dict[str, Attempt]:
        timeout = message.timeout_seconds or self.timeout
        try:
            smtp = self._connect(timeout)
        except (OSError, smtplib.SMTPException) as exc:
            return {r: _failure(r, "connect", exc) for r in recipients}
        done: dict[str, Attempt] = {}
        try:
            for index, recipient in enumerate(recipients):
                try:
                    done[recipient] = self._send_one(smtp, message, recipient)
                except (OSError, smtplib.SMTPException) as exc:
                    # The connection is gone: this recipient and the rest are retried on a new one.
                    for rest in recipients[index:]:
                        done[rest] = _failure(rest, "send", exc)
                    break
        finally:
            _quit(smtp)
        return done

    def _connect(self, timeout: float) -> smtplib.SMTP:
        context = self.ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=timeout)
        try:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _send_one(self, smtp: smtplib.SMTP, message: Message, recipient: str) -> Attempt:
        mail = self.compose(message, recipient)
        code, reply = smtp.mail(self.envelope_from)
        if code != 250:
            smtp.rset()
            return _refused(recipient, "MAIL FROM", code, reply)
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            smtp.rset()
            return _refused(recipient, "RCPT TO", code, reply)
        try:
            code, reply = smtp.data(mail.as_bytes())
        except smtplib.SMTPDataError as exc:  # DATA itself refused; the server has reset the transaction
            return _refused(recipient, "DATA", exc.smtp_code, exc.smtp_error)
        if code != 250:
            return _refused(recipient, "DATA", code, reply)
        return Attempt(recipient, "delivered", reference=str(mail["Message-ID"]))


def _quit(smtp: smtplib.SMTP) -> None:
    # Not ``with smtp``: its QUIT raises on an odd reply or a reset, which would turn mails the server
    # already accepted into failures.
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _address_problem(recipient: str) -> str:
    address = parseaddr(recipient)[1]
    if any(c in recipient for c in "\r\n") or address != recipient or "@" not in address:
        return "not an e-mail address"
    if not address.isascii():
        return "a non-ASCII address needs SMTPUTF8, which this adapter does not speak"
    return ""


def _refused(recipient: str, step: str, code: int, reply: bytes | str) -> Attempt:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return Attempt(recipient, "failed", error=f"{step} refused: {code} {text}"[:500], transient=400 <= code < 500)


def _failure(recipient: str, step: str, exc: BaseException) -> Attempt:
    # Configuration errors do not pass by waiting: bad credentials, no STARTTLS, a certificate refused.
    permanent = isinstance(exc, smtplib.SMTPAuthenticationError | smtplib.SMTPNotSupportedError | ssl.SSLError)
    code = getattr(exc, "smtp_code", None)
    if isinstance(code, int) and code >= 500:
        permanent = True
    return Attempt(recipient, "failed", error=f"{step}: {type(exc).__name__}: {exc}"[:500], transient=not permanent)
