"""Building a row's :class:`SendOutcome`: from its last verdict, from a group's
refusal, or because it was never sent.  The API's own texts are passed on with the
key masked, should the API echo it back."""

from __future__ import annotations

from dataclasses import dataclass

from aniva_import import ApiKey
from aniva_import.problems import ProblemCode
from aniva_import.send import _messages as say
from aniva_import.send._probe import Refusal
from aniva_import.send.classify import Verdict
from aniva_import.send.outcome import OutcomeKind, SendOutcome, SendRequest

_MASK = "********"


@dataclass(slots=True)
class Track:
    """One row's requests so far."""

    attempts: int = 0
    status: int | None = None
    #: a request is on its way (stays True when cancelled mid-way: maybe sent)
    sending: bool = False


class Outcomes:
    def __init__(self, key: ApiKey) -> None:
        self._key = key

    def scrub(self, text: str | None) -> str | None:
        return None if text is None else text.replace(self._key.reveal(), _MASK)

    def from_verdict(
        self,
        request: SendRequest,
        kind: OutcomeKind,
        verdict: Verdict,
        track: Track,
        *,
        message: str | None = None,
    ) -> SendOutcome:
        body = verdict.body
        fields = body.fields if body is not None and kind is OutcomeKind.FAILED else {}
        return SendOutcome(
            row=request.row,
            kind=kind,
            code=verdict.code,
            profile_id=verdict.profile_id if kind is OutcomeKind.CREATED else None,
            message=message,
            api_message=self.scrub(body.message if body is not None else None),
            field_errors={name: self.scrub(text) or "" for name, text in fields.items()},
            attempts=track.attempts,
            status=track.status,
        )

    def refused(
        self, request: SendRequest, refusal: Refusal, *, attempts: int,
        verdict: Verdict | None = None,
    ) -> SendOutcome:
        body = verdict.body if verdict is not None else None
        return SendOutcome(
            row=request.row,
            kind=OutcomeKind.FAILED,
            code=refusal.code,
            message=refusal.message,
            api_message=self.scrub(body.message if body is not None else None),
            attempts=attempts,
            status=refusal.status if attempts else None,
        )

    def unsent(self, request: SendRequest, track: Track | None, code: ProblemCode) -> SendOutcome:
        return SendOutcome(
            row=request.row,
            kind=OutcomeKind.NOT_SENT,
            code=code,
            message=say.not_sent(code),
            attempts=track.attempts if track else 0,
            status=track.status if track else None,
        )

    def aborted(self, request: SendRequest, track: Track) -> SendOutcome:
        """Cancelled by ``abort()``: unknown if a request was on its way."""
        if not track.sending:
            return self.unsent(request, track, ProblemCode.INTERRUPTED)
        return SendOutcome(
            row=request.row,
            kind=OutcomeKind.UNKNOWN,
            code=ProblemCode.INTERRUPTED,
            message=say.ABORTED_IN_FLIGHT,
            attempts=track.attempts,
            status=track.status,
        )
