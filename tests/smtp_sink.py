"""A real SMTP server for tests (plain SMTP on 127.0.0.1, an ephemeral port), in a thread.

A worker process sends to it through Django's SMTP backend (EMAIL_URL=smtp://127.0.0.1:<port>),
exactly as it would to the district's mail server. A message counts as delivered only when
the server has answered 250 to its final "." — as with a real server. ``stall_next()`` makes
the server hang before that answer for the next message (a sender killed meanwhile has not
delivered it).
"""

from __future__ import annotations

import socketserver
import threading
from email import message_from_bytes
from email.header import decode_header, make_header


class _Handler(socketserver.StreamRequestHandler):
    timeout = 120

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        sink: SmtpSink = self.server.sink
        self.reply("220 sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = []
                while True:
                    chunk = self.rfile.readline()
                    if not chunk:
                        return  # the sender died mid-message: nothing delivered
                    if chunk in (b".\r\n", b".\n"):
                        break
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                with sink.lock:
                    sink.received_data += 1
                    stall = sink._stall
                    sink._stall = False
                if stall:
                    sink.stalled.set()
                    sink.release.wait(120)  # hang before the 250: not delivered yet
                    return
                sink.deliver(b"".join(data))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    def __init__(self):
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.lock = threading.Lock()
        self.messages: list = []
        self.received_data = 0  # DATA sections seen, delivered or not
        self._stall = False
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def stall_next(self) -> None:
        with self.lock:
            self._stall = True

    def deliver(self, raw: bytes) -> None:
        msg = message_from_bytes(raw)
        with self.lock:
            self.messages.append({"to": msg["To"], "subject": str(make_header(decode_header(msg["Subject"])))})

    def subjects(self) -> list[str]:
        with self.lock:
            return [m["subject"] for m in self.messages]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
