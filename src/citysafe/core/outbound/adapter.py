"""The adapter contract, and the log adapter (the default channel of a laptop install)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Final, Protocol

from citysafe.core.outbound.message import Attempt, Channel, Message

log = logging.getLogger(__name__)

LOG_ONLY: Final = "log only: nothing left the platform"


class Adapter(Protocol):
    """Sends one message to some of its recipients and says, per recipient, what happened.

    ``deliver`` returns one ``Attempt`` per recipient it was given. It should not raise for a delivery
    problem (the sender turns an exception into a failure of every recipient of that call, not retried).
    It may be called again with the recipients whose failure was transient.
    """

    @property
    def channel(self) -> Channel: ...

    @property
    def accepts_drills(self) -> bool:
        """False: drill messages are refused (not_sent), e.g. a live 119 link."""
        ...

    @property
    def test_only(self) -> bool:
        """True: only drill messages are sent, live ones refused (a staging gateway)."""
        ...

    def deliver(self, message: Message, recipients: Sequence[str]) -> Sequence[Attempt]: ...


class LogAdapter:
    """Writes the message to the log. Nothing leaves the platform, and the results say so (``not_sent``):
    a deployment that forgot to configure its SMS gateway must not read "delivered" on its timeline."""

    channel: Final = "log"

    def __init__(self, *, accepts_drills: bool = True, test_only: bool = False) -> None:
        self.accepts_drills, self.test_only = accepts_drills, test_only

    def deliver(self, message: Message, recipients: Sequence[str]) -> list[Attempt]:
        text = "(sensitive text withheld)" if message.sensitive else message.marked_text()
        # A warning list of thousands would bury the line: past a few, the count stands for them.
        who = ", ".join(recipients) if len(recipients) <= 5 else f"{len(recipients)} recipients"
        log.warning("outbound %s %s (log only, not sent) to %s: %s %s", message.channel,
                    message.correlation_key, who, message.marked_subject(), text)
        return [Attempt(r, "not_sent", error=LOG_ONLY) for r in recipients]
