"""A real OpenAI-compatible chat server on 127.0.0.1 for tests, with fault injection.

    with FakeOpenAIServer(fail_rate=0.2, seed=0) as server:
        engine = OpenAIEngine(ModelSpec("openai", "fake", server.base_url))

It serves `POST /v1/chat/completions` from a background thread. Replies come from a pluggable
`responder(payload) -> str | Reply` (default: `echo_responder`, "Answer to: <last user text>",
cut to `max_tokens` words); a real model can be plugged in the same way. Faults are injected
per request, first from `script` (a list of fault names consumed in order), then at random from
a seeded RNG:

- an int status (500, 503, 429, ...): that error; 429 carries `Retry-After: retry_after`;
- "stall": wait `stall_seconds` before answering (past a client's timeout);
- "drop": close the connection without a response;
- "malformed": a 200 reply that is not JSON;
- "ok": a normal reply.

`gone=True` (or more than `gone_after` requests) answers every request with 503; `stop()`
closes the port, so connections are refused. The server counts requests and faults, the most
requests in flight at once, and records every Authorization header and request payload.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Fault = str | int
_ERRORS = (ConnectionError, OSError)


@dataclass(frozen=True)
class Reply:
    """What a responder returns when it wants to set the finish reason or token count."""

    text: str
    finish_reason: str = "stop"
    completion_tokens: int | None = None  # None: the reply carries no `usage`


Responder = Callable[[dict[str, Any]], "str | Reply"]


def last_user_text(payload: dict[str, Any]) -> str:
    """The content of the last user message of a chat completion request."""
    for message in reversed(payload.get("messages") or []):
        if message.get("role") == "user":
            return str(message.get("content", ""))
    return ""


def echo_responder(payload: dict[str, Any]) -> Reply:
    """A deterministic reply: "Answer to: <last user text>", cut to `max_tokens` words."""
    words = f"Answer to: {last_user_text(payload)}".split()
    limit = int(payload.get("max_tokens") or len(words))
    finish = "length" if len(words) > limit else "stop"
    return Reply(" ".join(words[:limit]), finish, min(len(words), limit))


class FakeOpenAIServer:
    """An OpenAI-compatible chat server with seeded fault injection; a context manager."""

    def __init__(
        self,
        *,
        responder: Responder | None = None,
        script: Sequence[Fault] = (),
        fail_rate: float = 0.0,
        fail_statuses: Sequence[int] = (500, 502, 503),
        rate_limit_rate: float = 0.0,
        stall_rate: float = 0.0,
        drop_rate: float = 0.0,
        malformed_rate: float = 0.0,
        seed: int = 0,
        retry_after: float = 0.05,
        stall_seconds: float = 5.0,
        latency: float = 0.0,
        api_key: str | None = None,
        echo_auth: bool = False,
        gone: bool = False,
        gone_after: int | None = None,
        single_slot: bool = False,
    ) -> None:
        """Rates are fractions of requests; `api_key` makes the server demand that Bearer key;
        `echo_auth` puts the received Authorization header into error messages (leak tests)."""
        self.responder = responder or echo_responder
        self.script = list(script)
        self.rates: list[tuple[float, str]] = [
            (fail_rate, "5xx"),
            (rate_limit_rate, "429"),
            (stall_rate, "stall"),
            (drop_rate, "drop"),
            (malformed_rate, "malformed"),
        ]
        self.fail_statuses = list(fail_statuses)
        self.retry_after = retry_after
        self.stall_seconds = stall_seconds
        self.latency = latency
        self.api_key = api_key
        self.echo_auth = echo_auth
        self.gone = gone
        self.gone_after = gone_after
        self.slot = threading.Lock() if single_slot else None  # one request at a time, the others queue
        self.served: Counter[str] = Counter()  # how many times each request (by its messages) was worked on
        self.requests = 0
        self.faults = 0
        self.fault_counts: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.authorizations: list[str | None] = []
        self.payloads: list[dict[str, Any]] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, e.g. http://127.0.0.1:PORT/v1."""
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> FakeOpenAIServer:
        """Listen on a free port and serve from a daemon thread."""
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the port and every open connection; later requests are refused."""
        self._stopping.set()
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    # --- bookkeeping, called from handler threads -------------------------------------------

    def _begin(self, authorization: str | None, payload: dict[str, Any]) -> Fault:
        """Count a request and decide its fault."""
        with self._lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.authorizations.append(authorization)
            self.payloads.append(payload)
            fault = self._pick_fault()
            if fault != "ok":
                self.faults += 1
                self.fault_counts[str(fault)] += 1
            return fault

    def _pick_fault(self) -> Fault:
        if self.gone or (self.gone_after is not None and self.requests > self.gone_after):
            return "gone"
        if self.script:
            return self.script.pop(0)
        draw = self._rng.random()
        for rate, kind in self.rates:
            if draw < rate:
                return self._rng.choice(self.fail_statuses) if kind == "5xx" else _kind(kind)
            draw -= rate
        return "ok"

    def _end(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _track(self, conn: socket.socket, alive: bool) -> None:
        with self._lock:
            (self._connections.add if alive else self._connections.discard)(conn)


def _kind(kind: str) -> Fault:
    return 429 if kind == "429" else kind


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: FakeOpenAIServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that time out or hang up are expected here; stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    timeout = 30
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        except _ERRORS:
            pass
        self.server.owner._track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""

    def do_GET(self) -> None:
        self._send_error(404, f"unknown path {self.path}")

    def do_POST(self) -> None:
        owner = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if owner._stopping.is_set():
            return self._drop()
        if self.path.rstrip("/") != "/v1/chat/completions":
            return self._send_error(404, f"unknown path {self.path}")
        try:
            payload = json.loads(body)
        except ValueError:
            return self._send_error(400, "request body is not JSON")
        fault = owner._begin(self.headers.get("Authorization"), payload)
        try:
            self._serve(fault, payload)
        except _ERRORS:
            self.close_connection = True
        finally:
            owner._end()

    def _serve(self, fault: Fault, payload: dict[str, Any]) -> None:
        owner = self.server.owner
        if fault == "gone":
            return self._send_error(503, "the server is gone")
        if isinstance(fault, int):
            return self._send_error(fault, f"injected HTTP {fault}")
        if fault == "drop":
            return self._drop()
        if fault == "malformed":
            return self._send(200, b"<html>this is not JSON", "text/html")
        if fault == "stall" and owner._stopping.wait(owner.stall_seconds):
            return self._drop()
        self._answer(payload)

    def _answer(self, payload: dict[str, Any]) -> None:
        owner = self.server.owner
        authorization = self.headers.get("Authorization")
        if owner.api_key is not None and authorization != f"Bearer {owner.api_key}":
            return self._send_error(401, "Incorrect API key provided", code="invalid_api_key")
        model = payload.get("model")
        try:
            reply = owner.responder(payload)
        except Exception as exc:  # a broken responder is the server's problem: 500
            return self._send_error(500, f"responder failed: {exc!r}")
        if isinstance(reply, str):
            reply = Reply(reply, "stop", len(reply.split()))
        if owner.slot is not None:  # a server that works on one request at a time, even if its client left
            with owner.slot:
                owner._stopping.wait(owner.latency)
        elif owner.latency:
            owner._stopping.wait(owner.latency)
        with owner._lock:
            owner.served[json.dumps(payload.get("messages"), sort_keys=True)] += 1
        self._send_json(200, completion(reply, str(model)))

    def _drop(self) -> None:
        """Close the connection without a response."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send_error(self, status: int, message: str, code: str = "fake_error") -> None:
        owner = self.server.owner
        if owner.echo_auth:
            message += f" (received Authorization: {self.headers.get('Authorization')})"
        body = {"error": {"message": message, "type": "fake_error", "code": code}}
        headers = {"Retry-After": f"{owner.retry_after:g}"} if status == 429 else {}
        self._send_json(status, body, headers)

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _send(
        self, status: int, data: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


def completion(reply: Reply, model: str) -> dict[str, Any]:
    """An OpenAI chat completion object for `reply`."""
    body: dict[str, Any] = {
        "id": f"chatcmpl-fake-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.text},
                "finish_reason": reply.finish_reason,
            }
        ],
    }
    if reply.completion_tokens is not None:
        tokens = reply.completion_tokens
        body["usage"] = {"prompt_tokens": 0, "completion_tokens": tokens, "total_tokens": tokens}
    return body
