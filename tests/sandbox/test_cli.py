"""``aniva-import sandbox``: options, help, bad configuration, Ctrl-C."""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from aniva_import.cli import sandbox as _cli_sandbox
from aniva_import.sandbox import Faults, SandboxConfig, is_loopback

OPTIONS = (
    "--host", "--port", "--allow-remote", "--config", "--store", "--access-log", "--seed",
    "--rate-limit", "--retry-after-format", "--latency", "--error-rate", "--error-statuses",
    "--drop-before-rate", "--drop-after-rate", "--group-error",
)
ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="aniva-import")
    _cli_sandbox.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["sandbox", *argv])


def test_help_shows_every_option_with_text() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aniva_import", "sandbox", "--help"],
        capture_output=True, text=True, timeout=60, env=ENV, check=False,
    )
    assert result.returncode == 0, result.stderr
    for option in OPTIONS:
        assert re.search(rf"{option}\b[^\n]*\n?\s*\S", result.stdout), option
    assert "demo" in result.stdout


def test_own_parser_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse("--help")
    out = capsys.readouterr().out
    for option in OPTIONS:
        assert option in out


def test_options_become_config_and_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_serve(config: SandboxConfig, faults: Faults, **kwargs: Any) -> None:
        seen.update(config=config, faults=faults, **kwargs)

    monkeypatch.setattr("aniva_import.sandbox.serve", fake_serve)
    args = parse(
        "--port", "0", "--seed", "4", "--rate-limit", "2.5", "--retry-after-format", "http-date",
        "--latency", "30", "--error-rate", "0.1", "--error-statuses", "500,503",
        "--drop-before-rate", "0.05", "--drop-after-rate", "0.02",
        "--group-error", "demo-clinic=503", "--group-error", "helsinki-health=404",
    )
    assert args.handler is _cli_sandbox.run
    assert _cli_sandbox.run(args) == 0
    assert seen["faults"] == Faults(
        rate_limit=2.5, retry_after_format="http-date", latency_ms=30, error_rate=0.1,
        error_statuses=(500, 503), drop_before_rate=0.05, drop_after_rate=0.02,
        group_errors={"demo-clinic": 503, "helsinki-health": 404}, seed=4,
    )
    assert seen["config"].demo
    assert seen["host"] == "127.0.0.1"
    assert seen["port"] == 0
    assert parse().port == 8787


@pytest.mark.parametrize(
    "argv",
    [
        ["--error-rate", "1.5"],
        ["--rate-limit", "0"],
        ["--latency", "-3"],
        ["--error-statuses", "404"],
        ["--error-statuses", "599"],
        ["--error-statuses", "500,509"],
        ["--group-error", "demo-clinic=499"],
        ["--group-error", "demo-clinic"],
        ["--group-error", "demo-clinic=200"],
        ["--port", "70000"],
        ["--retry-after-format", "minutes"],
    ],
)
def test_bad_option_values_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        parse(*argv)
    assert caught.value.code == 2


def test_a_rate_limit_that_cannot_be_served_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _cli_sandbox.run(parse("--rate-limit", "1e-320", "--port", "0")) == 2
    err = capsys.readouterr().err
    assert "rate_limit" in err
    assert err.count("\n") == 1


def test_bad_config_one_sentence_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sandbox.toml"
    path.write_text("keys = [", encoding="utf-8")
    assert _cli_sandbox.run(parse("--config", str(path), "--port", "0")) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_non_loopback_host_needs_allow_remote(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli_sandbox.run(parse("--host", "0.0.0.0", "--port", "0")) == 2
    assert "--allow-remote" in capsys.readouterr().err
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("example.org")


def test_port_in_use_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert _cli_sandbox.run(parse("--port", str(port))) == 2
    assert f"127.0.0.1:{port}" in capsys.readouterr().err


def _start(*argv: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "aniva_import", "sandbox", "--port", "0", *argv],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            break
    banner = "".join(lines)
    match = re.search(r"base URL:\s+(http://127\.0\.0\.1:\d+/api/v1)", banner)
    if match is None:
        process.kill()
        pytest.fail(f"no base URL in the banner: {banner!r} {process.communicate()}")
    return process, match.group(1), lines


def _stop(process: subprocess.Popen[str], sig: int) -> tuple[str, str]:
    """Send ``sig`` and wait for the sandbox to end; never leave it running."""
    process.send_signal(sig)
    try:
        return process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"the sandbox did not stop on signal {sig}: {out!r} {err!r}")


def _wait_until_listening(base_url: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            httpx.get(base_url.replace("/api/v1", "/_sandbox/stats"), timeout=1)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        else:
            return


def test_ctrl_c_stops_cleanly_with_exit_0(tmp_path: Path) -> None:
    store = tmp_path / "profiles.sqlite"
    process, base_url, lines = _start("--store", str(store), "--seed", "1")
    try:
        banner = "".join(lines)
        assert "DEMO keys" in banner
        assert "sandbox-full-key" in banner
        assert "sandbox-noscope-key" in banner
        assert "other-org-clinic" in banner
        _wait_until_listening(base_url)
        response = httpx.post(
            f"{base_url}/profiles",
            json={"first_name": "A", "last_name": "B", "profile_group_slug": "demo-clinic"},
            headers={"x-api-key": "sandbox-full-key"},
            timeout=10,
        )
        assert response.status_code == 201
        out, err = _stop(process, signal.SIGINT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "Maria" not in err + out
    assert "Sandbox stopped (profiles created in this session: 1)" in out
    assert store.exists()


def test_sigterm_stops_cleanly_with_exit_0() -> None:
    process, base_url, _lines = _start()
    _wait_until_listening(base_url)
    out, err = _stop(process, signal.SIGTERM)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "Sandbox stopped" in out


def test_config_keys_are_not_printed(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.toml"
    path.write_text(
        'groups = ["a-clinic"]\n[[keys]]\nkey = "secret-looking-key"\nname = "clinic-test"\n'
        'scopes = ["CREATE_USER"]\ngroups = ["a-clinic"]\n',
        encoding="utf-8",
    )
    process, _base_url, lines = _start("--config", str(path))
    # at once: the banner only appears once the sandbox handles Ctrl-C itself
    out, err = _stop(process, signal.SIGINT)
    banner = "".join(lines) + out
    assert process.returncode == 0, err
    assert "secret-looking-key" not in banner + err
    assert "clinic-test" in banner
    assert "DEMO" not in banner


def test_allow_remote_puts_the_inspection_endpoints_behind_a_key() -> None:
    process, base_url, lines = _start("--allow-remote")
    try:
        assert "/_sandbox/ needs a key in x-api-key" in "".join(lines)
        _wait_until_listening(base_url)
        stats = base_url.replace("/api/v1", "/_sandbox/stats")
        assert httpx.get(stats, timeout=10).status_code == 401
        response = httpx.get(stats, headers={"x-api-key": "sandbox-noscope-key"}, timeout=10)
        assert response.status_code == 200
    finally:
        _stop(process, signal.SIGINT)
