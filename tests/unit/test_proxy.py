"""The round-robin proxy (bot/proxy.py) in front of tiny stand-in upstreams.

Alternation, what passes through unchanged, a refused connection moving on to the next
upstream, no second try once a request was sent (dropped connection, timeout), 502 when no
upstream answers.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from bot.proxy import UPSTREAM_HEADER, RoundRobinProxy


def closed_port() -> int:
    """A port nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


Reply = Callable[[web.Request, bytes], Awaitable[web.StreamResponse]]


class StandIn:
    """An upstream that records every request and answers with `reply`."""

    def __init__(self, name: str, reply: Reply | None = None) -> None:
        self.name = name
        self.seen: list[dict] = []
        self._reply = reply
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append(
            {
                "method": request.method,
                "path_qs": request.raw_path,
                "headers": dict(request.headers),
                "body": body,
            }
        )
        if self._reply is not None:
            return await self._reply(request, body)
        return web.json_response({"upstream": self.name, "n": len(self.seen)})


@asynccontextmanager
async def running(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def stand_in(upstream: StandIn) -> AsyncIterator[StandIn]:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", upstream.handle)
    async with running(app) as url:
        upstream.url = url
        yield upstream


@asynccontextmanager
async def proxy_to(*urls: str, timeout: float = 30.0) -> AsyncIterator[str]:
    async with running(RoundRobinProxy(urls, timeout=timeout).app()) as url:
        yield url


@asynccontextmanager
async def dropping_upstream() -> AsyncIterator[tuple[str, list[bytes]]]:
    """An upstream that reads a request's head and hangs up without answering."""
    received: list[bytes] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.readuntil(b"\r\n\r\n"))
        writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        server.close()
        await server.wait_closed()


async def test_requests_alternate_between_the_upstreams() -> None:
    async with (
        stand_in(StandIn("a")) as a,
        stand_in(StandIn("b")) as b,
        proxy_to(a.url, b.url) as proxy,
        aiohttp.ClientSession() as client,
    ):
        answered = []
        for _ in range(6):
            async with client.post(proxy + "/webhooks/rest/webhook", json={"m": 1}) as response:
                assert response.status == 200
                answered.append(((await response.json())["upstream"],
                                 response.headers[UPSTREAM_HEADER]))
    assert answered == [("a", "1"), ("b", "2")] * 3
    assert len(a.seen) == len(b.seen) == 3


async def test_method_path_headers_and_bodies_pass_through_unchanged() -> None:
    payload = json.dumps({"sender": "s1", "message": "السلام عليكم"}, ensure_ascii=False)
    big = bytes(range(256)) * 12_000  # 3 MB, like a screenshot in base64

    async def reply(request: web.Request, body: bytes) -> web.StreamResponse:
        if request.path == "/big":
            return web.Response(body=body, status=200, content_type="application/octet-stream")
        if request.path == "/gz":
            return web.Response(
                body=gzip.compress("مرحبا".encode()),
                headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"},
            )
        return web.Response(
            status=201,
            body=("تم: ".encode() + body),
            headers={"X-Reply": "yes", "Set-Cookie": "k=v; Path=/"},
            content_type="application/json",
            charset="utf-8",
        )

    async with (
        stand_in(StandIn("a", reply)) as a,
        proxy_to(a.url) as proxy,
        aiohttp.ClientSession(auto_decompress=False) as client,
    ):
        async with client.put(
            proxy + "/conversations/s%201/tracker/events?token=t%2Bk&include_events=ALL",
            data=payload.encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": "Bearer xyz",
                "X-Custom": "1",
                "Connection": "keep-alive, X-Secret-Hop",
                "X-Secret-Hop": "must not pass",
            },
        ) as response:
            assert response.status == 201
            assert response.headers["X-Reply"] == "yes"
            assert response.headers["Set-Cookie"] == "k=v; Path=/"
            assert response.headers["Content-Type"] == "application/json; charset=utf-8"
            assert await response.read() == "تم: ".encode() + payload.encode()
        async with client.post(proxy + "/big", data=big) as response:
            assert response.status == 200 and await response.read() == big
        async with client.get(proxy + "/gz", headers={"Accept-Encoding": "gzip"}) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(await response.read()).decode() == "مرحبا"
    first = a.seen[0]
    assert first["method"] == "PUT"
    assert first["path_qs"] == "/conversations/s%201/tracker/events?token=t%2Bk&include_events=ALL"
    assert first["body"] == payload.encode()
    headers = first["headers"]
    assert headers["Authorization"] == "Bearer xyz" and headers["X-Custom"] == "1"
    assert headers["Content-Type"] == "application/json"
    assert "X-Secret-Hop" not in headers  # named in Connection: hop-by-hop
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert a.seen[1]["body"] == big
    assert a.seen[2]["headers"]["Accept-Encoding"] == "gzip"


async def test_a_refused_connection_moves_on_to_the_next_upstream() -> None:
    down = f"http://127.0.0.1:{closed_port()}"
    async with (
        stand_in(StandIn("b")) as b,
        proxy_to(down, b.url) as proxy,
        aiohttp.ClientSession() as client,
    ):
        for i in range(4):
            async with client.post(proxy + "/webhooks/rest/webhook", json={"i": i}) as response:
                assert response.status == 200
                assert (await response.json())["upstream"] == "b"
                assert response.headers[UPSTREAM_HEADER] == "2"
    # each message reached the live upstream exactly once
    assert [json.loads(seen["body"])["i"] for seen in b.seen] == [0, 1, 2, 3]


async def test_a_request_once_sent_is_never_sent_again() -> None:
    async with (
        dropping_upstream() as (dropping, received),
        stand_in(StandIn("b")) as b,
        proxy_to(dropping, b.url) as proxy,
        aiohttp.ClientSession() as client,
    ):
        # the first request's turn is the dropping upstream's: it reads it, then hangs up
        async with client.post(proxy + "/webhooks/rest/webhook", json={"m": "x"}) as response:
            assert response.status == 502
            error = await response.json()
        assert error["error"] == "bad_gateway" and "not sent again" in error["message"]
        assert len(received) == 1 and b.seen == []
        # the next request is b's turn, as usual
        async with client.post(proxy + "/webhooks/rest/webhook", json={"m": "y"}) as response:
            assert response.status == 200
        assert len(b.seen) == 1 and len(received) == 1


async def test_a_timeout_after_sending_is_504_and_not_retried() -> None:
    async def slow(_request: web.Request, _body: bytes) -> web.StreamResponse:
        await asyncio.sleep(5)
        return web.json_response({})

    async with (
        stand_in(StandIn("slow", slow)) as a,
        stand_in(StandIn("b")) as b,
        proxy_to(a.url, b.url, timeout=0.5) as proxy,
        aiohttp.ClientSession() as client,
        client.post(proxy + "/webhooks/rest/webhook", json={"m": 1}) as response,
    ):
        assert response.status == 504
        assert (await response.json())["error"] == "gateway_timeout"
    assert len(a.seen) == 1 and b.seen == []


async def test_502_with_a_json_error_when_every_upstream_is_down() -> None:
    downs = [f"http://127.0.0.1:{closed_port()}" for _ in range(2)]
    async with (
        proxy_to(*downs) as proxy,
        aiohttp.ClientSession() as client,
        client.post(proxy + "/webhooks/rest/webhook", json={"m": 1}) as response,
    ):
        assert response.status == 502
        assert response.content_type == "application/json"
        error = await response.json()
    assert error["error"] == "bad_gateway"
    assert "no upstream server is reachable" in error["message"]
    assert all(down in error["message"] for down in downs)
