"""The sentences of the sender: one for each row outcome and each reason to stop.

Written for a clinic admin: what happened, what to do.  They name the API's host,
a profile group's slug and HTTP statuses, never patient data or the API key, and
never repeat the API's own text (that goes in ``api_message``/``field_errors``).
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus

from aniva_import.problems import ProblemCode
from aniva_import.send.classify import Cause, Verdict
from aniva_import.send.retry import GiveUp

_CHECK_FIRST = "check in Aniva whether it exists before sending this row again"


def http(status: int | None) -> str:
    if status is None:
        return "no answer"
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def rejected(verdict: Verdict) -> str:
    if verdict.status == 400:
        if verdict.body is not None and verdict.body.fields:
            names = ", ".join(sorted(verdict.body.fields))
            return (f"The API refused this row's values ({http(400)}) for: {names}; "
                    "correct them and run again.")
        return (f"The API refused this row's values ({http(400)}) without naming a field; "
                "check the row and run again.")
    return (f"The API refused this row ({http(verdict.status)}); check the row, or ask "
            "Aniva what the answer means.")


def group_refused(code: ProblemCode, group: str, *, inferred: bool = False) -> str:
    if code is ProblemCode.GROUP_NOT_FOUND:
        return (f"The API says profile group '{group}' does not exist ({http(404)}); "
                "check the group's name (slug) and run again.")
    if inferred:
        return (f"The API refused profile group '{group}' ({http(403)}) while it accepted "
                "other groups, so the group is outside this API key's access context; use "
                "a key that may create profiles in it, or check the group's name.")
    return (f"Profile group '{group}' is outside this API key's access context "
            f"({http(403)}); use a key that may create profiles in it, or check the "
            "group's name.")


def unknown(verdict: Verdict, *, read_timeout: float) -> str:
    cause = verdict.cause
    if cause is Cause.STATUS:
        what = f"The API answered {http(verdict.status)}"
    elif cause is Cause.READ_TIMEOUT:
        what = f"The API did not answer within {read_timeout:g} seconds"
    elif cause in (Cause.WRITE_TIMEOUT, Cause.WRITE_ERROR):
        what = "The connection broke while this row was being sent"
    else:
        what = "The connection broke after this row was sent"
    return f"{what}, so it is unclear whether the profile was created; {_CHECK_FIRST}."


ABORTED_IN_FLIGHT = (
    "The import was stopped while this row was being sent, so it is unclear whether the "
    f"profile was created; {_CHECK_FIRST}."
)
CREATED_WITHOUT_ID = (
    "The API created this profile but sent back no id for it; find it in Aniva if you "
    "need the id."
)
INVALID_REQUEST = (
    "This row could not be sent as a valid request (a problem in aniva-import, not in "
    "your file); please report it."
)


def undocumented_row(verdict: Verdict) -> str:
    """The sentence of the row whose answer was one the API does not document."""
    status = verdict.status
    if status is not None and 200 <= status < 300:
        what = f"The API answered {http(status)} instead of {http(201)}"
    elif status is not None and 300 <= status < 400:
        what = f"The API answered with a redirect ({http(status)})"
    else:
        what = f"The API answered {http(status)}, which it does not document"
    return f"{what}, so it is unclear whether the profile was created; {_CHECK_FIRST}."


def stop(
    code: ProblemCode,
    verdict: Verdict | None,
    *,
    host: str,
    groups: Sequence[str] = (),
    attempts: int = 0,
    give_up: GiveUp | None = None,
    max_wait: float = 0.0,
    unknown_limit: int = 0,
    proxy: str | None = None,
) -> str:
    """The sentence of a reason to stop the whole run (``proxy``: the host and port of
    the proxy the requests go through, if any)."""
    status = verdict.status if verdict is not None else None
    if code is ProblemCode.KEY_REFUSED:
        return (f"The API refused the API key ({http(401)}): check that the key is complete "
                "and still valid, then run again.")
    if code is ProblemCode.SCOPE_MISSING:
        return ("The API key lacks the CREATE_USER scope needed to create profiles "
                f"({http(403)}): ask Aniva for a key with it, then run again.")
    if code is ProblemCode.FORBIDDEN:
        names = " and ".join(f"'{group}'" for group in groups)
        where = (f"profile group {names} is" if len(groups) == 1
                 else f"profile groups {names} are" if groups else "the profile group is")
        return (f"The API refused with {http(403)} without saying why: either the API key "
                f"lacks the CREATE_USER scope, or {where} outside the key's access "
                "context; check both with Aniva, then run again.")
    if code is ProblemCode.TLS_FAILED:
        return (f"The TLS certificate of {host} could not be verified, so nothing more was "
                "sent: if your network uses its own certificate authority, add it to this "
                "computer's trust store; otherwise check the API address.")
    if code is ProblemCode.TOO_MANY_UNKNOWN:
        return (f"{unknown_limit} requests in a row got no clear answer from the API "
                "(server errors, timeouts or broken connections), so the import stopped "
                "before more rows end up unknown: check the API's status, and check the "
                "unknown rows in Aniva before sending them again.")
    if code is ProblemCode.UNEXPECTED_RESPONSE:
        return (f"The API answered {http(status)}, which it does not document for creating "
                "profiles, so the import stopped: check the API address, and any proxy "
                "between this computer and the API.")
    if code is ProblemCode.INTERRUPTED:
        return "The import was interrupted; the rows not yet sent were not sent."
    return _unavailable(verdict, host=host, attempts=attempts, give_up=give_up,
                        max_wait=max_wait, proxy=proxy)


#: through a proxy, a connection that fails is the one to the proxy
_TO_THE_PROXY = {Cause.DNS: "could not be found (DNS)", Cause.REFUSED: "refused the connection",
                 Cause.CONNECT: "could not be reached"}
#: where a proxy comes from (the CLI's reading: :mod:`aniva_import.cli.proxy`)
_PROXY_SETTINGS = "HTTPS_PROXY, ALL_PROXY or the system's proxy settings"


def _unavailable(
    verdict: Verdict | None, *, host: str, attempts: int, give_up: GiveUp | None,
    max_wait: float, proxy: str | None = None,
) -> str:
    later = "try again later"
    if verdict is not None and give_up is GiveUp.WAIT_TOO_LONG and verdict.retry_after:
        return (f"The API asked to wait {verdict.retry_after:g} seconds before more requests, "
                f"longer than the {max_wait:g} seconds this import waits: run it again later.")
    tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
    if verdict is None:
        return f"The API at {host} could not be reached: {later}."
    if verdict.status == 429:
        return (f"The API kept answering {http(429)} {tries}: {later}, or with a lower "
                "--rate.")
    if verdict.status is not None:
        return f"The API at {host} kept answering {http(verdict.status)} {tries}: {later}."
    cause = verdict.cause
    if proxy is not None and cause in _TO_THE_PROXY:
        return (f"The proxy {proxy} (from {_PROXY_SETTINGS}) {_TO_THE_PROXY[cause]} {tries}: "
                "check the proxy settings and this computer's network, then run again.")
    if proxy is not None and cause is Cause.CONNECT_TIMEOUT:
        return (f"Connecting through the proxy {proxy} to the API at {host} timed out "
                f"{tries}: check the proxy settings ({_PROXY_SETTINGS}) and the network, "
                f"or {later}.")
    if cause is Cause.DNS:
        return (f"The API host {host} could not be found (DNS) {tries}: check the API "
                "address and this computer's network, then run again.")
    if cause is Cause.REFUSED:
        return (f"The API at {host} refused the connection {tries}: check the API address "
                f"(and its port), or {later}.")
    if cause is Cause.CONNECT_TIMEOUT:
        return (f"Connecting to the API at {host} timed out {tries}: check the network or "
                f"the proxy, or {later}.")
    if cause is Cause.TLS_HANDSHAKE:
        return (f"The secure connection (TLS) to {host} could not be set up {tries}: check "
                "the API address and any proxy.")
    if cause is Cause.PROXY:
        return (f"The proxy did not connect to the API at {host} {tries}: it may need a user "
                f"name and password, or not allow this address; check the proxy settings "
                f"({_PROXY_SETTINGS}), or {later}.")
    if cause is Cause.POOL_TIMEOUT:
        return f"No connection to the API at {host} became free in time {tries}: {later}."
    return f"The API at {host} could not be reached {tries}: check the network, or {later}."


def not_sent(code: ProblemCode) -> str:
    """The sentence of a row left unsent because the run stopped for ``code``."""
    why = {
        ProblemCode.KEY_REFUSED: "the API refused the API key",
        ProblemCode.SCOPE_MISSING: "the API key lacks the CREATE_USER scope",
        ProblemCode.FORBIDDEN: "the API refused with HTTP 403 (scope or group, see the summary)",
        ProblemCode.TLS_FAILED: "the API's TLS certificate could not be verified",
        ProblemCode.TOO_MANY_UNKNOWN: "too many requests in a row got no clear answer",
        ProblemCode.UNEXPECTED_RESPONSE: "the API gave an answer it does not document",
        ProblemCode.INTERRUPTED: "the import was interrupted",
    }.get(code, "the API could not be reached")
    return f"Not sent, because {why}; nothing was created for this row: run the import again."
