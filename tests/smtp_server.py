"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the tests that follow e-mail out of the outbox."""

from __future__ import annotations

import email
import email.policy
import socket

from aiosmtpd.controller import Controller


class Collector:
    def __init__(self):
        self.envelopes = []

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
