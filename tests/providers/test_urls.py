"""The SSRF check on provider base URLs."""

from __future__ import annotations

import pytest

from sceneintruder.providers.urls import UnsafeURL, check_base_url, resolve_host


def check(url: str, *, local: bool = False, private: bool = False, resolved: tuple[str, ...] = ()) -> str:
    return check_base_url(url, local_allowed=local, allow_private=private, resolved=resolved)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "https://169.254.10.1/v1",
        "https://[fe80::1]/v1",
        "https://metadata.google.internal/v1",
        "https://[::ffff:169.254.169.254]/v1",
        "https://100.100.100.200/v1",
    ],
)
def test_link_local_and_metadata_are_refused_even_with_private_allowed(url: str) -> None:
    with pytest.raises(UnsafeURL):
        check(url, local=True, private=True)


def test_https_is_required_for_public_hosts() -> None:
    assert check("https://api.openai.com/v1/") == "https://api.openai.com/v1"
    with pytest.raises(UnsafeURL, match="https"):
        check("http://api.openai.com/v1", resolved=("104.18.0.1",))
    with pytest.raises(UnsafeURL):
        check("ftp://api.openai.com/v1")
    with pytest.raises(UnsafeURL, match="credentials"):
        check("https://user:pw@api.openai.com/v1")


def test_loopback_only_for_local_servers_or_when_private_is_allowed() -> None:
    assert check("http://127.0.0.1:11434", local=True) == "http://127.0.0.1:11434"
    assert check("http://localhost:1234/v1", local=True) == "http://localhost:1234/v1"
    with pytest.raises(UnsafeURL, match="ALLOW_PRIVATE_PROVIDER_URLS"):
        check("https://127.0.0.1/v1")
    assert check("http://127.0.0.1:9/v1", private=True) == "http://127.0.0.1:9/v1"


def test_private_ranges_need_the_flag_also_through_dns() -> None:
    with pytest.raises(UnsafeURL, match="private"):
        check("http://10.1.2.3:8000/v1", local=True)
    with pytest.raises(UnsafeURL, match="private"):
        check("https://llm.corp.example/v1", resolved=("192.168.1.20",))
    assert check("http://10.1.2.3:8000/v1", private=True) == "http://10.1.2.3:8000/v1"


async def test_resolve_host_gives_nothing_for_literals_and_unknown_names() -> None:
    assert await resolve_host("http://127.0.0.1:8000") == []
    assert await resolve_host("https://does-not-exist.invalid/v1") == []


@pytest.mark.parametrize(
    "url",
    [
        "https://[64:ff9b::a9fe:a9fe]/v1",  # NAT64 of 169.254.169.254
        "https://[64:ff9b::169.254.169.254]/v1",
        "https://[64:ff9b:1::a9fe:a9fe]/v1",  # local-use NAT64 prefix
        "https://[2002:a9fe:a9fe::1]/v1",  # 6to4 of 169.254.169.254
        "https://[::a9fe:a9fe]/v1",  # IPv4-compatible
        "https://[::169.254.169.254]/v1",
        "https://[2001:0:4136:e378:8000:63bf:5601:5601]/v1",  # Teredo whose client is 169.254.169.254 (obfuscated)
    ],
)
def test_ipv6_forms_of_a_forbidden_ipv4_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURL):
        check(url, local=True, private=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://[64:ff9b::7f00:1]/v1",
        "https://[2002:7f00:1::]/v1",
        "https://[64:ff9b::a00:5]/v1",
        "https://[::a00:5]/v1",
    ],
)
def test_ipv6_forms_of_loopback_and_private_ipv4_need_the_flag(url: str) -> None:
    with pytest.raises(UnsafeURL):
        check(url)
    assert check(url, private=True) == url.rstrip("/")


def test_resolved_nat64_addresses_are_checked_too() -> None:
    with pytest.raises(UnsafeURL):
        check("https://vendor.example/v1", local=True, private=True, resolved=("64:ff9b::a9fe:a9fe",))
