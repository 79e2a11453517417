"""The proxy read from the environment: the same answer as httpx's own reading
(``get_environment_proxies`` and its URL patterns, first match wins, as its client
picks a transport), for the variables and ``NO_PROXY`` forms clinics use."""

from __future__ import annotations

import io
import os
import urllib.request
from pathlib import Path
from unittest import mock

import httpx
import httpx._utils as httpx_utils
import pytest
from httpx._utils import URLPattern, get_environment_proxies
from hypothesis import given, settings
from hypothesis import strategies as st

from aniva_import.cli import build_parser
from aniva_import.cli.console import Console
from aniva_import.cli.proxy import proxy_for
from aniva_import.cli.run import settings_from_args
from aniva_import.settings import Settings

API = "https://api.anivahealth.com/api/v1"


def httpx_proxy(url: str, env: dict[str, str]) -> str | None:
    """What httpx's client would use for ``url`` with ``env`` as the environment."""
    saved = dict(os.environ)
    try:
        for name in list(os.environ):
            if name.lower().endswith("_proxy"):
                del os.environ[name]
        os.environ.update(env)
        # the environment alone, as on Linux (Windows and macOS would add their settings)
        with mock.patch.object(httpx_utils, "getproxies", urllib.request.getproxies_environment):
            mounts = {URLPattern(key): value
                      for key, value in get_environment_proxies().items()}
    finally:
        os.environ.clear()
        os.environ.update(saved)
    target = httpx.URL(url)
    for pattern in sorted(mounts):
        if pattern.matches(target):
            return mounts[pattern]
    return None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"HTTPS_PROXY": "http://proxy.clinic:3128"}, "http://proxy.clinic:3128"),
        ({"https_proxy": "proxy.clinic:3128"}, "http://proxy.clinic:3128"),
        ({"HTTP_PROXY": "http://proxy.clinic:3128"}, None),  # the API is https
        ({"ALL_PROXY": "socks5://proxy.clinic:1080"}, "socks5://proxy.clinic:1080"),
        ({"HTTPS_PROXY": "http://a:1", "ALL_PROXY": "http://b:2"}, "http://a:1"),
        ({"https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2"}, "http://lower:1"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "anivahealth.com"}, None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".anivahealth.com"}, None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "other.com, api.anivahealth.com"}, None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "healthcom"}, "http://p:1"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "xanivahealth.com"}, "http://p:1"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "http://api.anivahealth.com"}, "http://p:1"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "https://api.anivahealth.com"}, None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "api.anivahealth.com:8443"}, "http://p:1"),
        ({"Https_Proxy": "http://mixed:1"}, "http://mixed:1"),
        ({"Https_Proxy": "", "HTTPS_PROXY": "http://upper:2"}, "http://upper:2"),
    ],
)
def test_the_proxy_is_the_one_httpx_would_use(env: dict[str, str], expected: str | None) -> None:
    assert proxy_for(API, env, system=dict) == expected
    assert httpx_proxy(API, env) == expected


def test_an_empty_lower_case_variable_unsets_the_upper_case_one() -> None:
    env = {"https_proxy": "", "HTTPS_PROXY": "http://upper:2"}
    assert proxy_for(API, env, system=dict) is None
    assert httpx_proxy(API, env) is None


def test_the_system_s_settings_count_only_when_the_environment_names_no_proxy() -> None:
    system = {"https": "http://system.proxy:8080"}
    assert proxy_for(API, {}, system=lambda: system) == "http://system.proxy:8080"
    assert proxy_for(API, {"HTTPS_PROXY": "http://env:1"}, system=lambda: system) == \
        "http://env:1"
    # NO_PROXY alone is the environment's word, as for urllib: the system is not read
    assert proxy_for(API, {"NO_PROXY": "other.org"}, system=lambda: system) is None
    assert proxy_for(API, {}, system=lambda: {**system, "no": "anivahealth.com"}) is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:8787/api/v1", "http://localhost:9/api/v1",
                                 "http://[::1]:8787/api/v1"])
def test_a_loopback_api_never_goes_through_a_proxy(url: str) -> None:
    assert proxy_for(url, {"HTTP_PROXY": "http://p:1", "ALL_PROXY": "http://p:1"}) is None


HOSTS = ["api.anivahealth.com", "anivahealth.com", "eu.api.anivahealth.com", "10.1.2.3",
         "[2001:db8::1]"]
ENTRIES = st.sampled_from(["*", "anivahealth.com", ".anivahealth.com", "api.anivahealth.com",
                           "com", ".com", "other.org", "10.1.2.3", "10.1.2.4", "2001:db8::1",
                           "https://anivahealth.com", "http://api.anivahealth.com",
                           "all://*.anivahealth.com", "api.anivahealth.com:443",
                           "localhost", "", " ", "all://", "all://*", "https://", "http://",
                           "://api.anivahealth.com", "https://*.anivahealth.com:8443"])


@settings(max_examples=300, deadline=None)
@given(
    host=st.sampled_from(HOSTS),
    port=st.sampled_from(["", ":443", ":8443"]),
    no_proxy=st.lists(ENTRIES, max_size=4).map(",".join),
    https=st.sampled_from([None, "http://p:1", "p:2", ""]),
    every=st.sampled_from([None, "http://all:3", "all:4"]),
    upper=st.booleans(),
)
def test_any_environment_gives_httpx_s_answer(
    host: str, port: str, no_proxy: str, https: str | None, every: str | None, upper: bool
) -> None:
    def name(text: str) -> str:
        return text.upper() if upper else text

    env = {name("no_proxy"): no_proxy}
    if https is not None:
        env[name("https_proxy")] = https
    if every is not None:
        env[name("all_proxy")] = every
    url = f"https://{host}{port}/api/v1"
    assert proxy_for(url, env, system=dict) == httpx_proxy(url, env)


def test_run_takes_the_proxy_from_its_environment(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("a-key\n")
    key.chmod(0o600)
    env = {"HTTPS_PROXY": "http://proxy.clinic:3128", "NO_PROXY": "intranet.clinic"}

    def settings_for(*argv: str) -> Settings:
        args = build_parser().parse_args(["run", "list.csv", *argv])
        return settings_from_args(args, Console(io.StringIO(), io.StringIO(), env))

    assert settings_for("--api-key-file", str(key)).proxy == "http://proxy.clinic:3128"
    assert settings_for("--api-key-file", str(key), "--api-url",
                        "https://api.intranet.clinic/v1").proxy is None
    assert settings_for("--dry-run").proxy is None  # nothing is sent
