"""The Ledger's methods: keys, lookup, reserve, record, recover, resolve, resend, listing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aniva_import import AnivaImportError, InputError
from aniva_import.ledger import (
    Created,
    EntryState,
    Ledger,
    LedgerBusy,
    LedgerError,
    LedgerKey,
    Released,
    Reservation,
    Unknown,
)
from aniva_import.ledger._fingerprints import normalise_api_url
from tests.ledger.conftest import API, GROUP, FakeClock, OpenLedger, body

IDENTITY = "maria|schmidt|1985-03-22"


def _key(ledger: Ledger, identity: str = IDENTITY) -> LedgerKey:
    return ledger.key(API, GROUP, identity)


# -- keys ---------------------------------------------------------------------------


def test_key_is_a_stable_hex_fingerprint_of_api_group_and_identity(ledger: Ledger) -> None:
    key = _key(ledger)
    assert len(key) == 64
    assert int(key, 16) >= 0
    assert key == _key(ledger)
    assert ledger.key(API, "demo-clinic", IDENTITY) != key
    assert ledger.key("http://127.0.0.1:8787/api/v1", GROUP, IDENTITY) != key
    assert _key(ledger, "maria|schmidt|1985-03-23") != key


@pytest.mark.parametrize("spelling", [
    "https://AnivaHealth.com/api/v1/",
    "https://anivahealth.com./api/v1",  # the trailing dot of a fully qualified name
    "https://anivahealth.com//api/v1",
    "https://anivahealth.com/api//v1//",
    " HTTPS://ANIVAHEALTH.COM.//api/v1/ ",
])
def test_key_treats_spellings_of_one_api_url_as_one_api(ledger: Ledger, spelling: str) -> None:
    assert ledger.key(spelling, GROUP, IDENTITY) == _key(ledger)


def test_key_keeps_apis_apart_that_are_apart(ledger: Ledger) -> None:
    assert ledger.key("https://anivahealth.com/api/v2", GROUP, IDENTITY) != _key(ledger)
    assert ledger.key("https://anivahealth.com/apiv1", GROUP, IDENTITY) != _key(ledger)
    assert ledger.key("https://anivahealth.co/api/v1", GROUP, IDENTITY) != _key(ledger)
    assert ledger.key("https://anivahealth.com:8443/api/v1", GROUP, IDENTITY) != _key(ledger)
    assert (ledger.key("http://[::1]:8787//api/v1/", GROUP, IDENTITY)
            == ledger.key("http://[::1]:8787/api/v1", GROUP, IDENTITY)
            != ledger.key("http://[::1]:8788/api/v1", GROUP, IDENTITY))


_HOSTS = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){0,3}", fullmatch=True)
_SEGMENTS = st.lists(st.from_regex(r"[a-z0-9_.~-]{1,8}", fullmatch=True), max_size=4)


@given(host=_HOSTS, port=st.none() | st.integers(1, 65535), segments=_SEGMENTS,
       dot=st.booleans(), upper=st.booleans(),
       slashes=st.lists(st.integers(1, 3), min_size=5, max_size=5))
def test_spellings_of_one_url_normalise_alike_and_normalising_is_idempotent(
    host: str, port: int | None, segments: list[str], dot: bool, upper: bool,
    slashes: list[int],
) -> None:
    where = host + (f":{port}" if port else "")
    canonical = f"https://{where}" + "".join(f"/{s}" for s in segments)
    spelled_host = (host.upper() if upper else host) + ("." if dot else "")
    spelled = f"https://{spelled_host}" + (f":{port}" if port else "") + "".join(
        "/" * slashes[i] + s for i, s in enumerate(segments)) + "/" * (slashes[-1] - 1)
    assert normalise_api_url(spelled) == normalise_api_url(canonical) == canonical
    assert normalise_api_url(normalise_api_url(spelled)) == canonical


def test_key_parts_cannot_run_into_each_other(ledger: Ledger) -> None:
    assert ledger.key(API, "ab", "c") != ledger.key(API, "a", "bc")


def test_key_refuses_an_empty_identity(ledger: Ledger) -> None:
    with pytest.raises(ValueError):
        ledger.key(API, GROUP, "")


def test_keys_of_two_ledgers_cannot_be_compared(open_ledger: OpenLedger, tmp_path: Path) -> None:
    first = open_ledger(tmp_path / "one.sqlite3")
    second = open_ledger(tmp_path / "two.sqlite3")
    assert _key(first) != _key(second)


def test_a_reopened_ledger_gives_the_same_keys(open_ledger: OpenLedger) -> None:
    with open_ledger() as ledger:
        key = _key(ledger)
    with open_ledger() as ledger:
        assert _key(ledger) == key


# -- reserve and lookup ---------------------------------------------------------------


def test_lookup_of_keys_never_seen_is_empty(ledger: Ledger) -> None:
    assert ledger.lookup([_key(ledger)]) == {}
    assert ledger.lookup([]) == {}


def test_reserve_writes_in_flight_entries_with_labels_and_idempotency_keys(
    ledger: Ledger, clock: FakeClock
) -> None:
    a, b = _key(ledger, "a"), _key(ledger, "b")
    result = ledger.reserve(
        [Reservation(a, body(), source="list.csv", row=2), Reservation(b, body("Jo"), row=3)]
    )
    assert set(result.reserved) == {a, b}
    assert result.existing == {}
    entry = result.reserved[a]
    assert entry.state is EntryState.IN_FLIGHT
    assert (entry.source, entry.row, entry.attempts) == ("list.csv", 2, 1)
    assert entry.profile_id is None
    assert entry.created_at is None
    assert entry.reserved_at == entry.updated_at == clock.now
    assert entry.idempotency_key != result.reserved[b].idempotency_key
    assert len(entry.idempotency_key) == 36
    assert ledger.lookup([a, b, _key(ledger, "c")]) == dict(result.reserved)


def test_reserve_never_overwrites_an_existing_entry(ledger: Ledger, clock: FakeClock) -> None:
    key = _key(ledger)
    first = ledger.reserve([Reservation(key, body(), source="old.csv", row=2)]).reserved[key]
    clock.advance(60)
    again = ledger.reserve([Reservation(key, body(phone="+4930999"), source="new.csv", row=9)])
    assert again.reserved == {}
    assert again.existing == {key: first}
    ledger.record([Created(key, "p-1")])
    created = ledger.lookup([key])[key]
    later = ledger.reserve([Reservation(key, body(phone="+4930999"))], resend_unknown=True)
    assert later.existing == {key: created}
    assert ledger.lookup([key]) == {key: created}


def test_a_key_given_twice_in_one_call_is_reserved_once(ledger: Ledger) -> None:
    key = _key(ledger)
    result = ledger.reserve([Reservation(key, body(), row=2), Reservation(key, body(), row=5)])
    assert result.reserved[key].row == 2
    assert result.existing[key].row == 2


def test_reserve_of_nothing_is_nothing(ledger: Ledger) -> None:
    result = ledger.reserve([])
    assert (dict(result.reserved), dict(result.existing)) == ({}, {})


# -- record ---------------------------------------------------------------------------


def test_record_created_keeps_the_profile_id_and_time(ledger: Ledger, clock: FakeClock) -> None:
    key = _key(ledger)
    ledger.reserve([Reservation(key, body())])
    clock.advance(2)
    ledger.record([Created(key, "a3f1c2d4")])
    entry = ledger.lookup([key])[key]
    assert entry.state is EntryState.CREATED
    assert entry.profile_id == "a3f1c2d4"
    assert entry.created_at == clock.now
    assert entry.created_at != entry.reserved_at


def test_record_unknown_keeps_the_entry_as_unknown(ledger: Ledger) -> None:
    key = _key(ledger)
    ledger.reserve([Reservation(key, body())])
    ledger.record([Unknown(key)])
    entry = ledger.lookup([key])[key]
    assert entry.state is EntryState.UNKNOWN
    assert entry.uncertain
    assert entry.profile_id is None


def test_record_released_removes_the_entry_so_the_row_can_be_sent_again(ledger: Ledger) -> None:
    key = _key(ledger)
    first = ledger.reserve([Reservation(key, body())]).reserved[key]
    ledger.record([Released(key)])
    assert ledger.lookup([key]) == {}
    again = ledger.reserve([Reservation(key, body())]).reserved[key]
    assert again.attempts == 1
    assert again.idempotency_key == first.idempotency_key  # the same request, sent again
    ledger.record([Released(key)])
    changed = ledger.reserve([Reservation(key, body(email="new@example.org"))]).reserved[key]
    assert changed.idempotency_key != first.idempotency_key  # a corrected row is a new request


def test_a_late_answer_settles_an_unknown_entry(ledger: Ledger) -> None:
    key = _key(ledger)
    ledger.reserve([Reservation(key, body())])
    assert ledger.recover() == 1
    ledger.record([Created(key, "p-7")])
    assert ledger.lookup([key])[key].profile_id == "p-7"


def test_the_same_created_outcome_twice_is_harmless(ledger: Ledger) -> None:
    key = _key(ledger)
    ledger.reserve([Reservation(key, body())])
    ledger.record([Created(key, "p-1")])
    ledger.record([Created(key, "p-1")])
    assert ledger.lookup([key])[key].profile_id == "p-1"


def test_outcomes_of_one_key_in_one_call_apply_in_their_order(ledger: Ledger) -> None:
    unsure, twice, gone = _key(ledger, "unsure"), _key(ledger, "twice"), _key(ledger, "gone")
    ledger.reserve([Reservation(k, body()) for k in (unsure, twice, gone)])
    ledger.record([Unknown(unsure), Created(unsure, "p-1"), Created(twice, "p-2"),
                   Created(twice, "p-2"), Released(gone)])
    entries = ledger.lookup([unsure, twice, gone])
    assert entries[unsure].state is EntryState.CREATED
    assert entries[unsure].profile_id == "p-1"
    assert not entries[unsure].uncertain
    assert entries[twice].profile_id == "p-2"
    assert gone not in entries


@pytest.mark.parametrize(
    "later",
    [
        pytest.param(lambda k: Created(k, "p-1"), id="created-after-released"),
        pytest.param(Unknown, id="unknown-after-released"),
        pytest.param(Released, id="released-twice"),
    ],
)
def test_nothing_follows_a_release_in_the_same_call(ledger: Ledger, later: object) -> None:
    key, other = _key(ledger, "key"), _key(ledger, "other")
    ledger.reserve([Reservation(key, body()), Reservation(other, body())])
    assert callable(later)
    with pytest.raises(ValueError):
        ledger.record([Created(other, "p-5"), Released(key), later(key)])
    entries = ledger.lookup([key, other])
    assert entries[key].state is EntryState.IN_FLIGHT  # nothing of the call was written
    assert entries[other].state is EntryState.IN_FLIGHT


def test_a_resend_given_twice_in_one_call_is_reserved_once(ledger: Ledger) -> None:
    key = _key(ledger)
    ledger.reserve([Reservation(key, body())])
    ledger.recover()
    result = ledger.reserve([Reservation(key, body(), row=3), Reservation(key, body(), row=4)],
                            resend_unknown=True)
    assert result.reserved[key].state is EntryState.IN_FLIGHT
    assert result.reserved[key].row == 3
    assert result.reserved[key].attempts == 2
    assert result.existing[key] == result.reserved[key]


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda k: Created(k, "p-2"), id="second-profile-id"),
        pytest.param(Unknown, id="unknown-of-created"),
        pytest.param(Released, id="released-of-created"),
    ],
)
def test_an_outcome_that_does_not_fit_writes_nothing_of_the_batch(
    ledger: Ledger, bad: object
) -> None:
    done, pending = _key(ledger, "done"), _key(ledger, "pending")
    ledger.reserve([Reservation(done, body()), Reservation(pending, body())])
    ledger.record([Created(done, "p-1")])
    assert callable(bad)
    with pytest.raises(ValueError):
        ledger.record([Created(pending, "p-9"), bad(done)])
    entries = ledger.lookup([done, pending])
    assert entries[pending].state is EntryState.IN_FLIGHT
    assert entries[done].profile_id == "p-1"


def test_an_outcome_for_a_key_never_reserved_is_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError):
        ledger.record([Released(_key(ledger))])
    with pytest.raises(ValueError):
        ledger.record([Created(_key(ledger), "")])


def test_released_is_refused_for_an_unknown_entry(ledger: Ledger) -> None:
    key = _key(ledger)
    ledger.reserve([Reservation(key, body())])
    ledger.record([Unknown(key)])
    with pytest.raises(ValueError):
        ledger.record([Released(key)])
    assert ledger.lookup([key])[key].state is EntryState.UNKNOWN


# -- recover ----------------------------------------------------------------------------


def test_recover_turns_in_flight_into_unknown_and_counts(ledger: Ledger) -> None:
    keys = [_key(ledger, name) for name in "abc"]
    ledger.reserve([Reservation(key, body()) for key in keys])
    ledger.record([Created(keys[0], "p-1")])
    assert ledger.recover() == 2
    states = {key: entry.state for key, entry in ledger.lookup(keys).items()}
    assert states == {
        keys[0]: EntryState.CREATED,
        keys[1]: EntryState.UNKNOWN,
        keys[2]: EntryState.UNKNOWN,
    }
    assert ledger.recover() == 0


def test_opening_recovers_what_a_run_left_in_flight(open_ledger: OpenLedger) -> None:
    with open_ledger() as ledger:
        key = _key(ledger)
        ledger.reserve([Reservation(key, body())])
        assert ledger.recovered == 0
    with open_ledger() as ledger:
        assert ledger.recovered == 1
        assert ledger.lookup([key])[key].state is EntryState.UNKNOWN
    with open_ledger() as ledger:
        assert ledger.recovered == 0


# -- resend of unknown entries ----------------------------------------------------------


def _unknown(ledger: Ledger, key: LedgerKey) -> str:
    token = ledger.reserve([Reservation(key, body(), row=2)]).reserved[key].idempotency_key
    ledger.record([Unknown(key)])
    return token


def test_unknown_entries_are_not_resent_unless_asked(ledger: Ledger) -> None:
    key = _key(ledger)
    _unknown(ledger, key)
    result = ledger.reserve([Reservation(key, body())])
    assert result.reserved == {}
    assert result.existing[key].state is EntryState.UNKNOWN


def test_resend_unknown_reuses_the_idempotency_key_and_records_the_new_body(
    ledger: Ledger,
) -> None:
    key, new = _key(ledger), _key(ledger, "new")
    token = _unknown(ledger, key)
    edited = body(phone="+4930555")
    result = ledger.reserve(
        [Reservation(key, edited, source="b.csv", row=4), Reservation(new, body())],
        resend_unknown=True,
    )
    entry = result.reserved[key]
    assert entry.state is EntryState.IN_FLIGHT
    assert entry.idempotency_key == token
    assert (entry.attempts, entry.source, entry.row) == (2, "b.csv", 4)
    assert ledger.changed_fields(entry, edited) == ()
    assert result.reserved[new].attempts == 1
    ledger.record([Created(key, "p-3")])
    assert ledger.lookup([key])[key].profile_id == "p-3"


def test_a_resend_that_created_nothing_leaves_the_entry_unknown(ledger: Ledger) -> None:
    """The first request may still have created the profile: the doubt stays."""
    key = _key(ledger)
    _unknown(ledger, key)
    ledger.reserve([Reservation(key, body())], resend_unknown=True)
    ledger.record([Released(key)])
    entry = ledger.lookup([key])[key]
    assert entry.state is EntryState.UNKNOWN
    assert entry.attempts == 2


def test_a_resend_left_in_flight_by_a_crash_is_unknown_again(open_ledger: OpenLedger) -> None:
    with open_ledger() as ledger:
        key = _key(ledger)
        _unknown(ledger, key)
        ledger.reserve([Reservation(key, body())], resend_unknown=True)
    with open_ledger() as ledger:
        assert ledger.recovered == 1
        assert ledger.lookup([key])[key].state is EntryState.UNKNOWN


# -- resolve ------------------------------------------------------------------------------


def test_resolve_with_a_profile_id_makes_the_entry_created(
    ledger: Ledger, clock: FakeClock
) -> None:
    key = _key(ledger)
    _unknown(ledger, key)
    clock.advance(3600)
    entry = ledger.resolve(key, profile_id=" p-42 ")
    assert entry is not None
    assert (entry.state, entry.profile_id, entry.created_at) == (
        EntryState.CREATED,
        "p-42",
        clock.now,
    )
    assert ledger.lookup([key]) == {key: entry}
    assert ledger.reserve([Reservation(key, body())], resend_unknown=True).reserved == {}


def test_resolve_not_created_removes_the_entry_so_the_row_is_sent_again(ledger: Ledger) -> None:
    key = _key(ledger)
    _unknown(ledger, key)
    assert ledger.resolve(key, created=False) is None
    assert ledger.lookup([key]) == {}
    assert key in ledger.reserve([Reservation(key, body())]).reserved


def test_resolve_refuses_entries_that_are_not_unknown(ledger: Ledger) -> None:
    key = _key(ledger)
    with pytest.raises(LedgerError, match="no entry"):
        ledger.resolve(key, created=False)
    ledger.reserve([Reservation(key, body())])
    ledger.record([Created(key, "p-1")])
    with pytest.raises(LedgerError, match="not unknown"):
        ledger.resolve(key, profile_id="p-2")
    assert ledger.lookup([key])[key].profile_id == "p-1"


@pytest.mark.parametrize(
    "arguments",
    [{}, {"created": True}, {"profile_id": "p-1", "created": False}, {"profile_id": "  "}],
)
def test_resolve_needs_exactly_one_clear_answer(
    ledger: Ledger, arguments: dict[str, object]
) -> None:
    key = _key(ledger)
    _unknown(ledger, key)
    with pytest.raises(ValueError):
        ledger.resolve(key, **arguments)  # type: ignore[arg-type]
    assert ledger.lookup([key])[key].state is EntryState.UNKNOWN


# -- what changed since it was sent ---------------------------------------------------------


def test_changed_fields_names_the_fields_that_differ_from_what_was_sent(ledger: Ledger) -> None:
    key = _key(ledger)
    sent = body(email="maria@example.de")
    entry = ledger.reserve([Reservation(key, sent)]).reserved[key]
    assert ledger.changed_fields(entry, dict(reversed(list(sent.items())))) == ()
    assert ledger.changed_fields(entry, {**sent, "phone": "+4930999"}) == ("phone",)
    without_email = {name: value for name, value in sent.items() if name != "email"}
    assert ledger.changed_fields(entry, {**without_email, "height": 168}) == ("height", "email")
    assert ledger.changed_fields(entry, {**sent, "sex": "2"}) == ("sex",)


def test_digests_depend_on_the_patient(ledger: Ledger) -> None:
    a, b = _key(ledger, "a"), _key(ledger, "b")
    same = body()
    result = ledger.reserve([Reservation(a, same), Reservation(b, same)]).reserved
    assert result[a].body_digest != result[b].body_digest
    assert result[a].field_digests["sex"] != result[b].field_digests["sex"]


# -- the operator's listing ---------------------------------------------------------------


def test_summary_counts_states_and_lists_unknown_entries_by_source_and_row(
    ledger: Ledger,
) -> None:
    keys = [_key(ledger, f"p{i}") for i in range(5)]
    ledger.reserve(
        [
            Reservation(keys[0], body(), source="b.csv", row=3),
            Reservation(keys[1], body(), source="a.csv", row=9),
            Reservation(keys[2], body(), source="a.csv", row=4),
            Reservation(keys[3], body(), source="a.csv", row=5),
            Reservation(keys[4], body()),
        ]
    )
    ledger.record([Unknown(keys[0]), Unknown(keys[1]), Unknown(keys[2]), Created(keys[3], "p")])
    summary = ledger.summary()
    assert summary.counts == {
        EntryState.CREATED: 1,
        EntryState.UNKNOWN: 3,
        EntryState.IN_FLIGHT: 1,
    }
    listed = [(entry.source, entry.row) for entry in summary.unknown]
    assert listed == [("a.csv", 4), ("a.csv", 9), ("b.csv", 3)]
    assert summary.path == ledger.path
    assert summary.schema_version == 1


# -- no patient data in reprs, errors ----------------------------------------------------------


def test_reprs_show_no_patient_data_and_no_secret(ledger: Ledger) -> None:
    reservation = Reservation(_key(ledger), body(), source="list.csv", row=2)
    entry = ledger.reserve([reservation]).reserved[reservation.key]
    shown = repr(reservation) + repr(entry) + repr(ledger) + repr(ledger.summary())
    for value in ("Maria", "Schmidt", "1985-03-22", "+4930123456789", IDENTITY):
        assert value not in shown
    assert "list.csv" in repr(reservation)


def test_a_closed_ledger_refuses_to_work_and_closes_twice_quietly(ledger: Ledger) -> None:
    key = _key(ledger)
    ledger.close()
    ledger.close()
    with pytest.raises(LedgerError, match="closed"):
        ledger.lookup([key])
    with pytest.raises(LedgerError, match="closed"):
        ledger.reserve([Reservation(key, body())])
    assert "closed" in repr(ledger)


def test_ledger_errors_are_input_errors_and_busy_is_transient() -> None:
    assert issubclass(LedgerError, InputError)
    assert issubclass(LedgerBusy, LedgerError)
    assert LedgerError("x").exit_code == 2
    assert not LedgerError("x").transient
    assert LedgerBusy("x").transient
    assert isinstance(LedgerBusy("x"), AnivaImportError)


def test_time_stamps_are_kept_in_utc(ledger: Ledger, clock: FakeClock) -> None:
    from datetime import timedelta, timezone

    clock.now = datetime(2030, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    key = _key(ledger)
    entry = ledger.reserve([Reservation(key, body())]).reserved[key]
    assert entry.reserved_at == datetime(2030, 1, 1, 10, 0, tzinfo=UTC)
    assert entry.reserved_at.tzinfo == UTC
