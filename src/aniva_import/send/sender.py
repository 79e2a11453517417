"""The sender: creates profiles through ``POST {api_url}/profiles``, as fast as the
API allows, and never twice.

:meth:`Sender.send_batch` sends a batch of rows and gives back one outcome per row,
in order, once every row of the batch is settled (so the caller can commit them
before the next batch).  Inside a batch: the group probe (:mod:`._probe`), at most
``concurrency`` requests in flight, every request through the shared rate limiter,
retries only where nothing can have been created (:mod:`.retry`), the circuit
breaker (:mod:`.breaker`).  What an answer means is decided in :mod:`.classify`.

Once the run must stop (:attr:`Sender.stop_reason`), no request starts any more and
every row not sent is ``not_sent``; later batches send nothing.  ``stop()`` and
``abort()`` are meant for a Ctrl-C handler running in the event loop's thread
(``loop.add_signal_handler``).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Final, Self

import httpx

from aniva_import.send import _messages as say
from aniva_import.send._probe import WAIT, BatchPlan, GroupBook, Refusal
from aniva_import.send.adaptive import AdaptiveRateLimiter
from aniva_import.send.breaker import CircuitBreaker
from aniva_import.send.classify import (
    Action,
    Verdict,
    classify_exception,
    classify_response,
)
from aniva_import.send.client import build_client
from aniva_import.send.errors_body import MAX_BODY_BYTES
from aniva_import.send.limiter import FixedRateLimiter, PausingLimiter
from aniva_import.send.outcome import Code, OutcomeKind, SendOutcome, SendRequest
from aniva_import.send.retry import GiveUp, Retrier
from aniva_import.send.settings import SendSettings
from aniva_import.send.stats import SendStats, Tally
from aniva_import.send.stop import StopReason

#: bytes of a 2xx body read (it holds the new profile; more is not a profile)
MAX_CREATED_BYTES: Final = 1024 * 1024
#: sleeps shorter than this are not interrupted by a stop (token waits)
_SHORT_NAP: Final = 0.25

Sleep = Callable[[float], Awaitable[None]]


class _Halted(Exception):
    """Raised inside a row's task when the sender halts while it waits."""


@dataclass(slots=True)
class _Track:
    """One row's requests so far."""

    attempts: int = 0
    status: int | None = None
    sending: bool = False


class Sender:
    """Sends profiles; an async context manager owning one ``httpx.AsyncClient``.

    ``transport`` replaces the network (``httpx.MockTransport`` in tests); ``clock``
    (monotonic seconds), ``sleep``, ``wall`` (seconds since the epoch, for HTTP-date
    ``Retry-After``) and ``rng`` (backoff jitter) are injected for the same reason.
    """

    def __init__(
        self,
        settings: SendSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._client = build_client(settings, transport=transport)
        self._url = httpx.URL(settings.profiles_url)  # parsed once, not per request
        self._clock = clock
        self._sleep = sleep
        self._wall = wall
        self._halted = asyncio.Event()
        self._aborted = False
        self._limiter: PausingLimiter = (
            FixedRateLimiter(settings.rate, clock=clock, sleep=self._nap)
            if settings.rate is not None
            # a burst of one request per connection: answers that come back together
            # go out again together instead of being spread out
            else AdaptiveRateLimiter(initial_rate=settings.initial_rate, clock=clock,
                                     sleep=self._nap, burst=float(settings.concurrency))
        )
        self._retrier = Retrier(
            settings.retry_policy(),
            sleep=self._nap,
            rng=rng or random.Random(),
            halted=self._halted.is_set,
        )
        self._breaker = CircuitBreaker(unknown_limit=settings.unknown_limit)
        self._book = GroupBook()
        self._tally = Tally()
        self._stop: tuple[Code, str] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._busy = False

    def __repr__(self) -> str:
        return f"Sender(api_url={self.settings.api_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- state ------------------------------------------------------------------

    @property
    def stop_reason(self) -> StopReason | None:
        """Why the run must stop, once it must (None until then)."""
        if self._stop is None:
            return None
        code, message = self._stop
        if code is Code.INTERRUPTED:
            exit_code = 130
        else:
            kinds = self._tally.by_kind
            nothing_done = (
                self._tally.responses == 0
                and not kinds[OutcomeKind.CREATED]
                and not kinds[OutcomeKind.UNKNOWN]
            )
            exit_code = 2 if nothing_done else 3
        return StopReason(code, message, exit_code)

    @property
    def stats(self) -> SendStats:
        limiter = self._limiter
        slowdowns = limiter.slowdowns if isinstance(limiter, AdaptiveRateLimiter) else 0
        return self._tally.snapshot(rate_limit=limiter.rate, slowdowns=slowdowns)

    def stop(self) -> None:
        """Graceful stop: no new request starts; requests in flight finish (within
        the timeouts); the rows not sent become ``not_sent`` (``interrupted``)."""
        self._halt(Code.INTERRUPTED, say.stop(Code.INTERRUPTED, None, host=self.settings.host))

    def abort(self) -> None:
        """Stop at once: requests in flight are cancelled and their rows ``unknown``
        (a request may have reached the API)."""
        self.stop()
        self._aborted = True
        for task in self._workers:
            task.cancel()

    def _halt(self, code: Code, message: str) -> None:
        if self._stop is None:
            self._stop = (code, message)
        self._halted.set()

    async def _nap(self, seconds: float) -> None:
        """Sleep, cut short by a halt (then :class:`_Halted`)."""
        if self._halted.is_set():
            raise _Halted
        if seconds < _SHORT_NAP:
            await self._sleep(max(0.0, seconds))
        else:
            sleeper = asyncio.ensure_future(self._sleep(seconds))
            halt = asyncio.ensure_future(self._halted.wait())
            try:
                await asyncio.wait((sleeper, halt), return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                halt.cancel()
            if sleeper.done() and not sleeper.cancelled():
                sleeper.result()  # a failing sleep fails here, not silently
        if self._halted.is_set():
            raise _Halted

    # -- a batch ----------------------------------------------------------------

    async def send_batch(self, requests: Sequence[SendRequest]) -> list[SendOutcome]:
        """Send ``requests``; one outcome each, in the same order."""
        if self._busy:
            raise RuntimeError("send_batch is already running")
        self._busy = True
        started = self._clock()
        results: list[SendOutcome | None] = [None] * len(requests)
        tracks: dict[int, _Track] = {}
        plan = BatchPlan(self._book)
        try:
            for index, request in enumerate(requests):
                refusal = self._book.refusal(request.group)
                if self._stop is not None:
                    continue
                if refusal is not None:
                    results[index] = self._record(self._refused(request, refusal, attempts=0))
                else:
                    plan.add(index, request.group)
            queued = len(plan.remaining())
            if queued:
                workers = min(self.settings.concurrency, queued)
                self._workers = [
                    asyncio.ensure_future(self._work(plan, requests, results, tracks))
                    for _ in range(workers)
                ]
                try:
                    await asyncio.gather(*self._workers)
                finally:
                    self._workers = []
            if plan.doubtful and self._stop is None:
                group = next(iter(plan.doubtful))
                self._halt(Code.FORBIDDEN,
                           say.stop(Code.FORBIDDEN, None, host=self.settings.host,
                                    groups=(group,)))
        finally:
            self._busy = False
            self._tally.elapsed += self._clock() - started
        outcomes = [
            outcome if outcome is not None else self._unsent(requests[i], tracks.get(i))
            for i, outcome in enumerate(results)
        ]
        for index, outcome in enumerate(outcomes):
            if results[index] is None:
                self._tally.outcome(outcome)
        return outcomes

    async def _work(
        self,
        plan: BatchPlan,
        requests: Sequence[SendRequest],
        results: list[SendOutcome | None],
        tracks: dict[int, _Track],
    ) -> None:
        try:
            await self._work_loop(plan, requests, results, tracks)
        except asyncio.CancelledError:
            if not self._aborted:
                raise

    async def _work_loop(
        self,
        plan: BatchPlan,
        requests: Sequence[SendRequest],
        results: list[SendOutcome | None],
        tracks: dict[int, _Track],
    ) -> None:
        while not self._halted.is_set():
            index = plan.pick()
            if index is None:
                return
            if index == WAIT:
                await plan.changed()
                continue
            request = requests[index]
            track = tracks[index] = _Track()
            try:
                verdict, give_up = await self._send_row(request, track)
            except asyncio.CancelledError:
                if not self._aborted:
                    raise
                results[index] = self._record(self._aborted_outcome(request, track))
                return
            except _Halted:
                results[index] = None  # settled below as not sent
                plan.finished(request.group)
                continue
            self._settle(plan, request, index, verdict, give_up, track, requests, results)
            plan.finished(request.group)

    async def _send_row(self, request: SendRequest, track: _Track) -> tuple[Verdict, GiveUp | None]:
        try:
            payload = json.dumps(
                dict(request.body), ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode()
        except (TypeError, ValueError):
            return Verdict(Action.NOT_SENT, Code.INVALID_REQUEST), None

        async def attempt() -> Verdict:
            return await self._attempt(request, payload, track)

        return await self._retrier.run(attempt)

    async def _attempt(self, request: SendRequest, payload: bytes, track: _Track) -> Verdict:
        permit = await self._limiter.acquire()
        if self._halted.is_set():
            raise _Halted
        track.attempts += 1
        self._tally.requests += 1
        if track.attempts > 1:
            self._tally.retries += 1
        track.sending = True  # stays True if the exchange is cancelled (abort): maybe sent
        verdict = await self._exchange(request, payload)
        track.sending = False
        if verdict.status is not None:
            track.status = verdict.status
            self._tally.by_status[verdict.status] += 1
            if verdict.throttled:
                self._limiter.throttled(permit, verdict.retry_after)
            elif verdict.status != 503:
                self._limiter.accepted(permit)
        self._breaker.record(verdict)
        if self._breaker.code is Code.TOO_MANY_UNKNOWN:
            self._halt(Code.TOO_MANY_UNKNOWN,
                       say.stop(Code.TOO_MANY_UNKNOWN, verdict, host=self.settings.host,
                                unknown_limit=self._breaker.unknown_limit))
        return verdict

    async def _exchange(self, request: SendRequest, payload: bytes) -> Verdict:
        client = self._client
        http_request = client.build_request(
            "POST", self._url, content=payload,
            headers={"Idempotency-Key": request.idempotency_key},
        )
        try:
            response = await client.send(http_request, stream=True)
        except httpx.HTTPError as error:
            return classify_exception(error)
        status = response.status_code
        try:
            limit = MAX_CREATED_BYTES if response.is_success else MAX_BODY_BYTES
            content = await _read_capped(response, limit)
        except httpx.HTTPError:
            if response.is_success:  # created; only the id is lost
                return Verdict(Action.CREATED, Code.CREATED_WITHOUT_ID, status=status)
            content = b""
        finally:
            await response.aclose()
        return classify_response(status, response.headers, content, wall_now=self._wall())

    # -- outcomes ---------------------------------------------------------------

    def _settle(
        self,
        plan: BatchPlan,
        request: SendRequest,
        index: int,
        verdict: Verdict,
        give_up: GiveUp | None,
        track: _Track,
        requests: Sequence[SendRequest],
        results: list[SendOutcome | None],
    ) -> None:
        """Turn a row's final verdict into its outcome, and act on what it says
        about the key, the group and the run."""
        group = request.group
        action = verdict.action
        outcome: SendOutcome | None
        if action is Action.CREATED:
            first = not self._book.key_proven
            self._book.prove(group)
            if first:
                self._resolve_doubtful(plan, requests, results)
            outcome = self._outcome(request, OutcomeKind.CREATED, verdict, track,
                                    profile_id=verdict.profile_id,
                                    message=say.CREATED_WITHOUT_ID if not verdict.profile_id
                                    else None)
        elif action is Action.FAILED:
            outcome = self._outcome(request, OutcomeKind.FAILED, verdict, track,
                                    message=say.rejected(verdict))
        elif action is Action.UNKNOWN:
            outcome = self._outcome(request, OutcomeKind.UNKNOWN, verdict, track,
                                    message=say.unknown(verdict,
                                                        read_timeout=self.settings.read_timeout))
        elif action is Action.NOT_SENT:
            outcome = self._outcome(request, OutcomeKind.NOT_SENT, verdict, track,
                                    message=say.INVALID_REQUEST)
        elif action is Action.RETRY:
            if give_up is not GiveUp.HALTED:
                self._breaker.gave_up(verdict)
                self._halt(Code.API_UNAVAILABLE,
                           say.stop(Code.API_UNAVAILABLE, verdict, host=self.settings.host,
                                    attempts=track.attempts, give_up=give_up,
                                    max_wait=self.settings.max_retry_wait))
            outcome = None  # not sent, for the reason the run stops
        elif action is Action.GROUP_REFUSED or (
            action is Action.FORBIDDEN and self._book.key_proven
        ):
            code = verdict.code if action is Action.GROUP_REFUSED else Code.GROUP_FORBIDDEN
            message = say.group_refused(code, group, inferred=action is Action.FORBIDDEN)
            refusal = Refusal(code, verdict.status or 0, message)
            self._refuse(plan, group, refusal, requests, results)
            outcome = self._refused(request, refusal, attempts=track.attempts, verdict=verdict)
        elif action is Action.FORBIDDEN:
            if plan.doubtful:  # a second group refused the same way: it is the key
                groups = (*plan.doubtful, group)
                self._halt(Code.FORBIDDEN,
                           say.stop(Code.FORBIDDEN, verdict, host=self.settings.host,
                                    groups=groups))
                outcome = None
            else:
                plan.doubt(group, index)  # decided by the next group's probe
                outcome = None
        else:  # Action.STOP
            self._halt(verdict.code, say.stop(verdict.code, verdict, host=self.settings.host))
            if verdict.maybe_created:
                outcome = self._outcome(request, OutcomeKind.UNKNOWN, verdict, track,
                                        message=say.REDIRECT_ROW)
            else:
                outcome = None
        if outcome is not None:
            results[index] = self._record(outcome)

    def _resolve_doubtful(
        self, plan: BatchPlan, requests: Sequence[SendRequest], results: list[SendOutcome | None]
    ) -> None:
        """The key is proven: a group whose probe got a bare 403 is outside its context."""
        for group, probe in list(plan.doubtful.items()):
            refusal = Refusal(Code.GROUP_FORBIDDEN, 403,
                              say.group_refused(Code.GROUP_FORBIDDEN, group, inferred=True))
            results[probe] = self._record(
                self._refused(requests[probe], refusal, attempts=1)
            )
            self._refuse(plan, group, refusal, requests, results)

    def _refuse(
        self,
        plan: BatchPlan,
        group: str,
        refusal: Refusal,
        requests: Sequence[SendRequest],
        results: list[SendOutcome | None],
    ) -> None:
        self._book.refuse(group, refusal)
        for other in plan.drop(group):
            results[other] = self._record(self._refused(requests[other], refusal, attempts=0))

    def _record(self, outcome: SendOutcome) -> SendOutcome:
        self._tally.outcome(outcome)
        return outcome

    def _outcome(
        self,
        request: SendRequest,
        kind: OutcomeKind,
        verdict: Verdict,
        track: _Track,
        *,
        profile_id: str | None = None,
        message: str | None = None,
    ) -> SendOutcome:
        body = verdict.body
        fields = body.fields if body is not None and kind is OutcomeKind.FAILED else {}
        return SendOutcome(
            row=request.row,
            kind=kind,
            code=verdict.code,
            profile_id=profile_id,
            message=message,
            api_message=self._scrub(body.message if body is not None else None),
            field_errors={name: self._scrub(text) or "" for name, text in fields.items()},
            attempts=track.attempts,
            status=track.status,
        )

    def _scrub(self, text: str | None) -> str | None:
        """The API's own text, with the key masked should the API echo it back."""
        if text is None:
            return None
        return text.replace(self.settings.api_key.reveal(), "********")

    def _refused(
        self, request: SendRequest, refusal: Refusal, *, attempts: int,
        verdict: Verdict | None = None,
    ) -> SendOutcome:
        body = verdict.body if verdict is not None else None
        return SendOutcome(
            row=request.row,
            kind=OutcomeKind.FAILED,
            code=refusal.code,
            message=refusal.message,
            api_message=self._scrub(body.message if body is not None else None),
            attempts=attempts,
            status=refusal.status if attempts else None,
        )

    def _unsent(self, request: SendRequest, track: _Track | None) -> SendOutcome:
        code = self._stop[0] if self._stop is not None else Code.INTERRUPTED
        return SendOutcome(
            row=request.row,
            kind=OutcomeKind.NOT_SENT,
            code=code,
            message=say.not_sent(code),
            attempts=track.attempts if track else 0,
            status=track.status if track else None,
        )

    def _aborted_outcome(self, request: SendRequest, track: _Track) -> SendOutcome:
        if not track.sending:
            return self._unsent(request, track)
        return SendOutcome(
            row=request.row,
            kind=OutcomeKind.UNKNOWN,
            code=Code.INTERRUPTED,
            message=say.ABORTED_IN_FLIGHT,
            attempts=track.attempts,
            status=track.status,
        )


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    """At most ``limit`` bytes of the body (a huge body is not read to its end)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]

