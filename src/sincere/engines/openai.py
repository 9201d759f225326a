"""OpenAI-compatible chat endpoints (vLLM, SGLang, llama.cpp, Ollama, hosted APIs) over async HTTP.

Requests run concurrently on a private event loop in a background thread, so `stream` works from
any synchronous caller (the main thread, a worker thread, code inside a running event loop) and
yields each generation as soon as its request completes. Transient failures (429, 5xx, timeouts,
dropped connections, malformed replies) are retried with exponential backoff. The API key is read
from the environment at request time and is never stored, logged or put in an error message.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import email.utils
import logging
import os
import queue
import random
import threading
import time
import weakref
from collections.abc import Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx

from sincere import progress
from sincere.engines.base import Conversation, Engine, Generation, GenParams, check_conversation, neutralised
from sincere.errors import SincereError, Unreachable
from sincere.models import DEFAULT_OPENAI_URL, ModelSpec
from sincere.scoring.text import shorten

logger = logging.getLogger(__name__)

#: Statuses worth retrying besides 5xx: timeout, conflict, too early, rate limited.
RETRYABLE_STATUS = frozenset({408, 409, 425, 429})
_MESSAGE_CHARS = 200
#: The slowest generation speed a request is given time for (2 tokens/s), so long replies do not time out.
SECONDS_PER_TOKEN = 0.5
DEFAULT_TIMEOUT = 60.0
_JITTER = 0.1  # backoff delays are stretched by up to 10 %
_DONE = object()


class _Retry(Exception):
    """A failed attempt worth retrying; `reason` is safe to show (no secrets)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Aborted(Exception):
    """Another request of the batch failed for good, so this one stops retrying."""


@dataclass
class _Batch:
    """The shared state of one `stream` call, owned by the event loop thread."""

    conversations: Sequence[Conversation]
    params: GenParams
    results: queue.Queue[Any]
    todo: Iterator[int]
    abort: asyncio.Event = field(default_factory=asyncio.Event)
    errors: list[BaseException] = field(default_factory=list)


class _LoopThread:
    """An asyncio event loop running forever in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="sincere-openai", daemon=True
        )
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        """Schedule `coro` on the loop; thread-safe."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self) -> None:
        """Stop the loop and its thread; safe to call twice."""
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self.loop.close()


class _Slots:
    """Requests in flight, at most `limit`, which adapts: halved after a timeout (the requests that timed out
    may still be running on the server, so the load must drop, not be sent again), and raised by one after
    `limit` answers in a row, up to `most`. Used on the event loop thread only."""

    def __init__(self, most: int) -> None:
        self.most = self.limit = most
        self.busy = self.streak = 0
        self._changed = asyncio.Condition()

    async def acquire(self) -> None:
        """Wait for a free slot."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.busy < self.limit)
            self.busy += 1

    async def release(self, outcome: str) -> None:
        """Free the slot; `outcome` is "answered", "timed out" or "failed" (neither: no change)."""
        async with self._changed:
            self.busy -= 1
            if outcome == "timed out" and self.limit > 1:
                self.limit, self.streak = max(1, self.limit // 2), 0
                logger.warning("a request timed out: at most %d request(s) in flight from now on", self.limit)
                progress.note("in flight", f"at most {self.limit}")
            elif outcome == "answered":
                self.streak += 1
                if self.streak >= self.limit and self.limit < self.most:
                    self.limit, self.streak = self.limit + 1, 0
                    progress.note("in flight", None if self.limit == self.most else f"at most {self.limit}")
            self._changed.notify_all()


class OpenAIEngine(Engine):
    """Chat completions from an OpenAI-compatible endpoint, many requests at once."""

    shares_cpu = False  # the server generates; this machine waits

    def __init__(
        self,
        spec: ModelSpec,
        *,
        concurrency: int = 8,
        timeout: float | None = None,
        max_retries: int = 6,
        backoff: float = 0.5,
        max_delay: float = 30.0,
    ) -> None:
        """Set up the engine; nothing connects until the first request.

        Args:
            spec: an `openai:` model spec (model name, base URL, API key variable).
            concurrency: the most requests in flight at once; fewer after timeouts (`_Slots`).
            timeout: seconds one request may take once the server works on it, multiplied by the
                number of requests allowed in flight (a server that answers one at a time may make
                any of them wait for all the others). Default (None): `DEFAULT_TIMEOUT`, or `SECONDS_PER_TOKEN` per
                token asked for when that is longer.
            max_retries: retries after a request's first attempt before giving up.
            backoff: seconds before the first retry, doubled for each later one.
            max_delay: the longest wait before a retry, a server's Retry-After included.
        """
        if concurrency < 1 or max_retries < 0 or (timeout is not None and timeout <= 0) or backoff < 0:
            raise SincereError(
                "openai engine needs concurrency >= 1, max_retries >= 0, timeout > 0"
            )
        self.model = spec.name
        self.key_env = spec.key_env
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_delay = max_delay
        base_url = (spec.base_url or DEFAULT_OPENAI_URL).rstrip("/")
        parts = urlsplit(base_url)  # a query (`?api-version=...`) stays after the path; a fragment is dropped
        self._url = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + "/chat/completions",
                                parts.query, ""))  # may carry user info and keys: never shown
        self._secrets = url_secrets(base_url)
        self.url = public_url(self._url)
        self.fingerprint = f"openai:{spec.name}@{public_url(base_url)}"
        self._rng = random.Random(0)
        self._lock = threading.Lock()
        self._runner: _LoopThread | None = None
        self._client: httpx.AsyncClient | None = None  # used only on the loop thread
        self._slots: _Slots | None = None
        self.retries = 0  # requests sent again, over the engine's life (shown beside the progress)

    def __repr__(self) -> str:
        return f"OpenAIEngine({self.fingerprint!r}, concurrency={self.concurrency})"

    def stream(
        self, conversations: Sequence[Conversation], params: GenParams
    ) -> Iterator[tuple[int, Generation]]:
        """Yield `(index, generation)` as requests complete; raise SincereError after the
        results that did complete when a request fails for good."""
        for conversation in conversations:
            check_conversation(conversation)
        if not conversations:
            return
        results: queue.Queue[Any] = queue.Queue()
        future = self._loop().submit(self._run_batch(conversations, params, results))
        try:
            yield from _drain(results, future)
        finally:
            if not future.done():
                future.cancel()  # the caller stopped early: stop sending requests

    def close(self) -> None:
        """Close the HTTP client and stop the event loop thread (a later call restarts them)."""
        with self._lock:
            runner, self._runner = self._runner, None
        if runner is None:
            return
        try:
            runner.submit(self._aclose()).result(timeout=10)
        except Exception as exc:  # closing must not fail the caller
            logger.debug("closing the HTTP client failed: %s", type(exc).__name__)
        finally:
            runner.stop()

    def _loop(self) -> _LoopThread:
        with self._lock:
            if self._runner is None:
                self._runner = _LoopThread()
                weakref.finalize(self, self._runner.stop)
            return self._runner

    async def _aclose(self) -> None:
        client, self._client, self._slots = self._client, None, None
        if client is not None:
            await client.aclose()

    def _connection(self) -> tuple[httpx.AsyncClient, _Slots]:
        """The HTTP client and the concurrency slots, created on first use on the loop thread."""
        if self._client is None or self._slots is None:
            limits = httpx.Limits(
                max_connections=self.concurrency, max_keepalive_connections=self.concurrency
            )
            self._client = httpx.AsyncClient(timeout=self.timeout or DEFAULT_TIMEOUT, limits=limits)
            self._slots = _Slots(self.concurrency)
        return self._client, self._slots

    async def _run_batch(
        self, conversations: Sequence[Conversation], params: GenParams, results: queue.Queue[Any]
    ) -> None:
        """Run a pool of workers over the batch; raise the first permanent failure at the end."""
        batch = _Batch(conversations, params, results, iter(range(len(conversations))))
        try:
            workers = min(self.concurrency, len(conversations))
            await asyncio.gather(*(self._worker(batch) for _ in range(workers)))
        finally:
            results.put(_DONE)
        if batch.errors:
            raise batch.errors[0]

    async def _worker(self, batch: _Batch) -> None:
        """Take conversations until none are left or the batch has failed."""
        for index in batch.todo:
            if batch.abort.is_set():
                return
            try:
                generation = await self._complete(
                    batch.conversations[index], batch.params, batch.abort
                )
            except _Aborted:
                return
            except Exception as exc:  # reported once the finished results are out
                batch.errors.append(exc)
                batch.abort.set()
                return
            batch.results.put((index, generation))

    async def _complete(
        self, conversation: Conversation, params: GenParams, abort: asyncio.Event
    ) -> Generation:
        """One conversation's reply, retrying transient failures with backoff."""
        payload = self._payload(conversation, params)
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return await self._attempt(payload)
            except _Retry as failure:
                if attempt == attempts:
                    raise Unreachable(
                        f"{self.url}: gave up after {attempts} attempts; "
                        f"last error: {failure.reason}"
                    ) from None
                delay = self._delay(attempt, failure.retry_after)
                self.retries += 1
                progress.note("retries", str(self.retries))
                logger.info(
                    "%s: %s; retry %d of %d in %.2fs",
                    self.url,
                    failure.reason,
                    attempt,
                    self.max_retries,
                    delay,
                )
            if await _wait(abort, delay):
                raise _Aborted
        raise AssertionError("unreachable")

    async def _attempt(self, payload: dict[str, Any]) -> Generation:
        """One HTTP request; raises `_Retry` for transient failures, SincereError for others."""
        client, slots = self._connection()
        key = os.environ.get(self.key_env) or None
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        await slots.acquire()
        each = self.timeout or max(DEFAULT_TIMEOUT, SECONDS_PER_TOKEN * payload["max_tokens"])
        in_flight = slots.limit  # a server that answers one at a time may serve this one after all the others
        limit = each * in_flight
        outcome = "failed"
        try:
            response = await client.post(self._url, json=payload, headers=headers, timeout=limit)
            outcome = "answered" if response.status_code < 400 else "failed"
        except httpx.TimeoutException:
            outcome = "timed out"
            raise _Retry(f"no reply within {limit:g}s ({in_flight} request(s) in flight)") from None
        except httpx.RequestError as exc:
            raise _Retry(f"connection failed ({type(exc).__name__})") from None
        finally:
            await slots.release(outcome)
        return self._read(response, key)

    def _read(self, response: httpx.Response, key: str | None) -> Generation:
        """The generation in a reply, or the right exception for a failed one."""
        status = response.status_code
        if 200 <= status < 300:
            try:
                return parse_reply(response.json())
            except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                raise _Retry(
                    f"HTTP {status} with a malformed reply (not a chat completion)"
                ) from None
        message = server_message(response)
        for secret in (key, *self._secrets):
            message = redact(message, secret)
        message = shorten(message, _MESSAGE_CHARS)
        if status in RETRYABLE_STATUS or status >= 500:
            raise _Retry(f"HTTP {status}: {message}", retry_after(response.headers))
        hint = f" (check ${self.key_env})" if status in (401, 403) else ""
        raise SincereError(f"{self.url}: HTTP {status}: {message}{hint}")

    def _payload(self, conversation: Conversation, params: GenParams) -> dict[str, Any]:
        messages = neutralised(conversation)  # the server's tokenizer must not read turn markers in text
        return {
            "model": self.model,
            "messages": messages,
            "max_tokens": params.max_new_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "seed": params.seed,
        }

    def _delay(self, attempt: int, server_delay: float | None) -> float:
        """Exponential backoff with bounded jitter; at least the server's Retry-After; capped."""
        delay = self.backoff * 2 ** (attempt - 1) * (1 + _JITTER * self._rng.random())
        if server_delay is not None:
            delay = max(delay, server_delay)
        return min(delay, self.max_delay)


def _drain(
    results: queue.Queue[Any], future: concurrent.futures.Future[Any]
) -> Iterator[tuple[int, Generation]]:
    """Yield results until the batch is done, then raise its error, if any."""
    while True:
        try:
            item = results.get(timeout=1.0)
        except queue.Empty:
            if future.done() and results.empty():
                future.result()  # the loop died without saying so: surface why
                return
            continue
        if item is _DONE:
            future.result()
            return
        yield item


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds`, or less when `event` is set; True when it was."""
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except asyncio.TimeoutError:
        return False
    return True


def parse_reply(data: Any) -> Generation:
    """A `Generation` from a chat completion; raises KeyError, TypeError... when it is not one."""
    choice = data["choices"][0]
    text = choice["message"].get("content") or ""
    if not isinstance(text, str):
        raise TypeError("message content is not text")
    finish = "length" if choice.get("finish_reason") == "length" else "stop"
    tokens = (data.get("usage") or {}).get("completion_tokens")
    if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 0:
        tokens = len(text.split())
    return Generation(text, tokens, finish)


def server_message(response: httpx.Response) -> str:
    """The error message in a failed reply (OpenAI, vLLM or FastAPI style), else its text."""
    try:
        data = response.json()
    except ValueError:
        data = None
    message: Any = None
    if isinstance(data, dict):
        error = data.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        message = message or data.get("message") or data.get("detail")
    if not isinstance(message, str) or not message.strip():
        message = response.text.strip() or response.reason_phrase or "no message"
    return message


def url_secrets(url: str) -> list[str]:
    """The parts of a URL that may hold a key (user, password, query values, fragment), longest first."""
    parts = urlsplit(url)
    found = [parts.username, parts.password, parts.query, parts.fragment, *(v for _, v in parse_qsl(parts.query))]
    return sorted({s for s in found if s and len(s) >= 3}, key=len, reverse=True)


def redact(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret` masked."""
    return text.replace(secret, "***") if secret else text


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait according to a Retry-After header (seconds or HTTP date), if any."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def public_url(url: str) -> str:
    """`url` without user info, query or fragment, so it is safe to show and to store."""
    parts = urlsplit(url)
    if not (parts.username or parts.password or parts.query or parts.fragment):
        return url
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
