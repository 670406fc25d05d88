"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the tests that follow e-mail out of the outbox."""

from __future__ import annotations

import email
import email.policy
import socket

from aiosmtpd.controller import Controller

REFUSED_DOMAIN = "refused.test"  # recipients there are refused for good (550), as for an unknown mailbox
BUSY_DOMAIN = "busy.test"  # recipients there are refused for now (451), as by a greylisting server


class Collector:
    def __init__(self):
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rpartition("@")[2].lower()
        if domain == REFUSED_DOMAIN:
            return "550 5.1.1 No such mailbox here"
        if domain == BUSY_DOMAIN:
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [email.message_from_bytes(e.original_content or e.content, policy=email.policy.default)
                for e in self.envelopes]


class SmtpServer:
    """An SMTP server on 127.0.0.1 and a free port, which can go down and come back on the same port."""

    def __init__(self):
        self.handler = Collector()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = None

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     server_hostname="smtp.test.local")
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def envelopes(self):
        return self.handler.envelopes
