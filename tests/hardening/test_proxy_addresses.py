"""Client addresses behind a reverse proxy: X-Forwarded-For counts only when it comes from a trusted proxy.

Two real `pasar serve` processes with a registration limit of 2 per address: one trusts the test client
(127.0.0.1) as its proxy, so each forwarded address has its own limit; the other trusts only 10.9.9.9,
so a client making up X-Forwarded-For addresses is still one address and is stopped at the limit.
"""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from src.models.accounts import User
from src.settings import Settings
from tests.support.processes import free_port, pasar_env, start_api

REGISTER = """mutation($phone: String!) { register(input: {phone: $phone, password: "kopi-tubruk-malang",
  name: "Pembeli"}) { user { id } errors { code } } }"""
PHONES = (f"0813-7100-{n:04d}" for n in range(1000))


@pytest.fixture
def servers(clean_db: None, settings: Settings, tmp_path: Path) -> Iterator[dict[str, str]]:
    env = pasar_env(settings, RATE_REGISTRATIONS_PER_HOUR="2")
    urls, processes = {}, []
    try:
        for name, trusted in (("trusting", "127.0.0.1"), ("distrusting", "10.9.9.9")):
            port = free_port()
            processes.append(start_api(port, "--forwarded-allow-ips", trusted, env=env, log=tmp_path / f"{name}.log"))
            urls[name] = f"http://127.0.0.1:{port}/graphql"
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)


async def _register(client: httpx.AsyncClient, url: str, forwarded_for: str) -> str:
    response = await client.post(url, json={"query": REGISTER, "variables": {"phone": next(PHONES)}},
                                 headers={"X-Forwarded-For": forwarded_for})  # fmt: skip
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["register"]
    return payload["errors"][0]["code"] if payload["errors"] else "OK"


async def test_forwarded_addresses_count_only_from_a_trusted_proxy(servers: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        trusted = [await _register(client, servers["trusting"], "198.51.100.7") for _ in range(3)]
        other = await _register(client, servers["trusting"], "198.51.100.8")
        # The proxy's own chain: the address the proxy saw is the last one it appended.
        chained = await _register(client, servers["trusting"], "203.0.113.99, 198.51.100.9")
        spoofed = [await _register(client, servers["distrusting"], f"192.0.2.{n}") for n in range(3)]
    assert trusted == ["OK", "OK", "TOO_MANY_ATTEMPTS"]
    assert other == "OK" and chained == "OK"
    assert spoofed == ["OK", "OK", "TOO_MANY_ATTEMPTS"]  # made-up addresses from an untrusted client: one address
    assert await User.all().count() == 6
