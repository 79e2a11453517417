"""The sender: creates profiles through ``POST {api_url}/profiles``, as fast as the
API allows, and never twice.

:meth:`Sender.send_batch` sends a batch of rows and gives back one outcome per row,
in order, once every row of the batch is settled (so the caller can commit them
before the next batch).  Inside a batch: the group probe (:mod:`._probe`), at most
``concurrency`` requests in flight, every request through the shared rate limiter,
retries only where nothing can have been created (:mod:`.retry`), the circuit
breaker (:mod:`.breaker`).  One request and its answer is :mod:`._exchange`; what
an answer means is decided in :mod:`.classify`; outcomes are built in
:mod:`._outcomes`, their sentences written in :mod:`._messages`.

Once the run must stop (:attr:`Sender.stop_reason`), no request starts any more and
every row not sent is ``not_sent``; later batches send nothing.  ``stop()`` and
``abort()`` are meant for a Ctrl-C handler running in the event loop's thread
(``loop.add_signal_handler``).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Final, Self

import httpx

from aniva_import.problems import ProblemCode
from aniva_import.send import _messages as say
from aniva_import.send._exchange import encode, exchange
from aniva_import.send._outcomes import Outcomes, Track
from aniva_import.send._probe import WAIT, BatchPlan, GroupBook, Refusal
from aniva_import.send.adaptive import AdaptiveRateLimiter
from aniva_import.send.breaker import CircuitBreaker
from aniva_import.send.classify import Action, Verdict
from aniva_import.send.client import ProfilesEndpoint
from aniva_import.send.limiter import FixedRateLimiter, PausingLimiter
from aniva_import.send.outcome import OutcomeKind, SendOutcome, SendRequest
from aniva_import.send.retry import GiveUp, Retrier
from aniva_import.send.settings import SendSettings
from aniva_import.send.stats import SendStats, Tally
from aniva_import.send.stop import StopReason

#: sleeps shorter than this are not interrupted by a stop (token waits)
_SHORT_NAP: Final = 0.25

Sleep = Callable[[float], Awaitable[None]]


class _Halted(Exception):
    """Raised inside a row's task when the sender halts while it waits."""


class Sender:
    """Sends profiles; an async context manager owning the run's connections.

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
        self._endpoint = ProfilesEndpoint(settings, transport=transport)
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
        self._outcomes = Outcomes(settings.api_key)
        self._stop: tuple[ProblemCode, str] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._batch_started: float | None = None  # while a batch is sent
        self._on_settled: Callable[[SendOutcome], None] | None = None

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
        await self._endpoint.aclose()

    # -- state ------------------------------------------------------------------

    @property
    def stop_reason(self) -> StopReason | None:
        """Why the run must stop, once it must (None until then)."""
        if self._stop is None:
            return None
        code, message = self._stop
        if code is ProblemCode.INTERRUPTED:
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
        started = self._batch_started
        ongoing = 0.0 if started is None else self._clock() - started
        return self._tally.snapshot(rate_limit=limiter.rate, slowdowns=slowdowns,
                                    ongoing=ongoing)

    def stop(self) -> None:
        """Graceful stop: no new request starts; requests in flight finish (within
        the timeouts); the rows not sent become ``not_sent`` (``interrupted``)."""
        stopped = say.stop(ProblemCode.INTERRUPTED, None, host=self.settings.host)
        self._halt(ProblemCode.INTERRUPTED, stopped)

    def abort(self) -> None:
        """Stop at once: requests in flight are cancelled and their rows ``unknown``
        (a request may have reached the API)."""
        self.stop()
        self._aborted = True
        for task in self._workers:
            task.cancel()

    def _halt(self, code: ProblemCode, message: str) -> None:
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

    async def send_batch(
        self,
        requests: Sequence[SendRequest],
        *,
        on_settled: Callable[[SendOutcome], None] | None = None,
    ) -> list[SendOutcome]:
        """Send ``requests``; one outcome each, in the same order.  ``on_settled`` hears
        each outcome as soon as it is settled, while the batch goes on (the rows never
        sent are only in the returned list)."""
        if self._batch_started is not None:
            raise RuntimeError("send_batch is already running")
        self._on_settled = on_settled
        started = self._batch_started = self._clock()
        results: list[SendOutcome | None] = [None] * len(requests)
        tracks: dict[int, Track] = {}
        plan = BatchPlan(self._book)
        try:
            for index, request in enumerate(requests):
                refusal = self._book.refusal(request.group)
                if self._stop is not None:
                    continue
                if refusal is not None:
                    refused = self._outcomes.refused(request, refusal, attempts=0)
                    results[index] = self._record(refused)
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
                    for task in self._workers:
                        task.cancel()  # a worker that failed leaves none of its siblings behind
                    self._workers = []
            if plan.doubtful and self._stop is None:
                group = next(iter(plan.doubtful))
                self._halt(ProblemCode.FORBIDDEN,
                           say.stop(ProblemCode.FORBIDDEN, None, host=self.settings.host,
                                    groups=(group,)))
        finally:
            self._on_settled = None
            self._batch_started = None
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
        tracks: dict[int, Track],
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
        tracks: dict[int, Track],
    ) -> None:
        while not self._halted.is_set():
            index = plan.pick()
            if index is None:
                return
            if index == WAIT:
                await plan.changed()
                continue
            request = requests[index]
            track = tracks[index] = Track()
            try:
                verdict, give_up = await self._send_row(request, track)
            except asyncio.CancelledError:
                if not self._aborted:
                    raise
                results[index] = self._record(self._outcomes.aborted(request, track))
                return
            except _Halted:
                results[index] = None  # settled below as not sent
                plan.finished(request.group)
                continue
            self._settle(plan, request, index, verdict, give_up, track, requests, results)
            plan.finished(request.group)

    async def _send_row(self, request: SendRequest, track: Track) -> tuple[Verdict, GiveUp | None]:
        payload = encode(request)
        if payload is None:
            return Verdict(Action.NOT_SENT, ProblemCode.INVALID_REQUEST), None

        async def attempt() -> Verdict:
            return await self._attempt(request, payload, track)

        return await self._retrier.run(attempt)

    async def _attempt(self, request: SendRequest, payload: bytes, track: Track) -> Verdict:
        permit = await self._limiter.acquire()
        if self._halted.is_set():
            raise _Halted
        track.attempts += 1
        self._tally.requests += 1
        if track.attempts > 1:
            self._tally.retries += 1
        track.sending = True  # stays True if the exchange is cancelled (abort): maybe sent
        verdict = await exchange(self._endpoint, request, payload, wall=self._wall)
        track.sending = False
        if verdict.status is not None:
            track.status = verdict.status
            self._tally.by_status[verdict.status] += 1
            if verdict.throttled:
                self._limiter.throttled(permit, verdict.retry_after)
            elif verdict.status != 503:
                self._limiter.accepted(permit)
        self._breaker.record(verdict)
        if self._breaker.code is ProblemCode.TOO_MANY_UNKNOWN:
            self._halt(ProblemCode.TOO_MANY_UNKNOWN,
                       say.stop(ProblemCode.TOO_MANY_UNKNOWN, verdict, host=self.settings.host,
                                unknown_limit=self._breaker.unknown_limit))
        return verdict

    # -- outcomes ---------------------------------------------------------------

    def _settle(
        self,
        plan: BatchPlan,
        request: SendRequest,
        index: int,
        verdict: Verdict,
        give_up: GiveUp | None,
        track: Track,
        requests: Sequence[SendRequest],
        results: list[SendOutcome | None],
    ) -> None:
        """Turn a row's final verdict into its outcome, and act on what it says
        about the key, the group and the run."""
        group = request.group
        action = verdict.action
        made = self._outcomes
        outcome: SendOutcome | None = None  # None: not sent, for the reason the run stops
        if action is Action.CREATED:
            first = not self._book.key_proven
            self._book.prove(group)
            if first:
                self._resolve_doubtful(plan, requests, results)
            message = None if verdict.profile_id else say.CREATED_WITHOUT_ID
            outcome = made.from_verdict(request, OutcomeKind.CREATED, verdict, track,
                                        message=message)
        elif action is Action.FAILED:
            outcome = made.from_verdict(request, OutcomeKind.FAILED, verdict, track,
                                        message=say.rejected(verdict))
        elif action is Action.UNKNOWN:
            message = say.unknown(verdict, read_timeout=self.settings.read_timeout)
            outcome = made.from_verdict(request, OutcomeKind.UNKNOWN, verdict, track,
                                        message=message)
        elif action is Action.NOT_SENT:
            outcome = made.from_verdict(request, OutcomeKind.NOT_SENT, verdict, track,
                                        message=say.INVALID_REQUEST)
        elif action is Action.RETRY:
            if give_up is not GiveUp.HALTED:
                self._breaker.gave_up(verdict)
                self._halt(ProblemCode.API_UNAVAILABLE,
                           say.stop(ProblemCode.API_UNAVAILABLE, verdict, host=self.settings.host,
                                    attempts=track.attempts, give_up=give_up,
                                    max_wait=self.settings.max_retry_wait,
                                    proxy=self.settings.proxy_host))
        elif action is Action.GROUP_REFUSED or (
            action is Action.FORBIDDEN and self._book.key_proven
        ):
            code = (verdict.code if action is Action.GROUP_REFUSED and verdict.code
                    else ProblemCode.GROUP_FORBIDDEN)
            message = say.group_refused(code, group, inferred=action is Action.FORBIDDEN)
            refusal = Refusal(code, verdict.status or 0, message)
            self._refuse(plan, group, refusal, requests, results)
            outcome = made.refused(request, refusal, attempts=track.attempts, verdict=verdict)
        elif action is Action.FORBIDDEN:
            if plan.doubtful:  # a second group refused the same way: it is the key
                self._halt(ProblemCode.FORBIDDEN,
                           say.stop(ProblemCode.FORBIDDEN, verdict, host=self.settings.host,
                                    groups=(*plan.doubtful, group)))
            else:
                plan.doubt(group, index)  # decided by the next group's probe
        else:  # Action.STOP
            code = verdict.code or ProblemCode.UNEXPECTED_RESPONSE
            self._halt(code, say.stop(code, verdict, host=self.settings.host))
            if verdict.maybe_created:
                outcome = made.from_verdict(request, OutcomeKind.UNKNOWN, verdict, track,
                                            message=say.undocumented_row(verdict))
        if outcome is not None:
            results[index] = self._record(outcome)

    def _resolve_doubtful(
        self, plan: BatchPlan, requests: Sequence[SendRequest], results: list[SendOutcome | None]
    ) -> None:
        """The key is proven: a group whose probe got a bare 403 is outside its context."""
        for group, probe in list(plan.doubtful.items()):
            refusal = Refusal(ProblemCode.GROUP_FORBIDDEN, 403,
                              say.group_refused(ProblemCode.GROUP_FORBIDDEN, group, inferred=True))
            results[probe] = self._record(
                self._outcomes.refused(requests[probe], refusal, attempts=1)
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
            refused = self._outcomes.refused(requests[other], refusal, attempts=0)
            results[other] = self._record(refused)

    def _record(self, outcome: SendOutcome) -> SendOutcome:
        self._tally.outcome(outcome)
        if self._on_settled is not None:
            self._on_settled(outcome)
        return outcome

    def _unsent(self, request: SendRequest, track: Track | None) -> SendOutcome:
        code = self._stop[0] if self._stop is not None else ProblemCode.INTERRUPTED
        return self._outcomes.unsent(request, track, code)
