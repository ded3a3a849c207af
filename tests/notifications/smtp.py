"""A tiny SMTP receiver on 127.0.0.1 for the tests: enough of RFC 5321 for smtplib to
hand it messages (no TLS, no authentication). Messages are kept in memory; an address
starting with "refused@" is refused, as a relay refuses an unknown mailbox."""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self):
        return message_from_bytes(self.data, policy=policy.default)

    @property
    def body(self) -> str:
        return self.message.get_body().get_content()


@dataclass
class Outbox:
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, received: Received) -> None:
        with self.lock:
            self.messages.append(received)


class _Handler(socketserver.StreamRequestHandler):
    timeout = 5

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        outbox: Outbox = self.server.outbox
        sender, recipients = "", []
        self.reply("220 test-smtp ready")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            verb = raw.decode("ascii", "replace").strip()
            upper = verb.upper()
            if upper.startswith(("EHLO", "HELO")):
                self.reply("250-test-smtp")
                self.reply("250 8BITMIME")
            elif upper.startswith("MAIL FROM:"):
                sender, recipients = verb[10:].strip(" <>"), []
                self.reply("250 OK")
            elif upper.startswith("RCPT TO:"):
                address = verb[8:].strip(" <>")
                if address.startswith("refused@"):
                    self.reply("550 no such mailbox")
                    continue
                recipients.append(address)
                self.reply("250 OK")
            elif upper == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                outbox.add(Received(sender, recipients, b"".join(lines)))
                self.reply("250 OK queued")
            elif upper in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif upper == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SMTPReceiver:
    """`with SMTPReceiver() as smtp:` listens on 127.0.0.1:<smtp.port>."""

    def __init__(self):
        self.outbox = Outbox()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.outbox = self.outbox
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> SMTPReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def messages(self) -> list[Received]:
        with self.outbox.lock:
            return list(self.outbox.messages)
