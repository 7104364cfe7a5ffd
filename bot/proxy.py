"""A small round-robin reverse proxy: one address in front of several Rasa servers.

    python -m bot proxy --listen 5005 --upstream http://127.0.0.1:5105 \\
                                      --upstream http://127.0.0.1:5106

Each request goes to the next upstream in turn (1, 2, 1, 2 …), whatever its path: the REST
and web-widget webhooks, Rasa's HTTP API, the widget's files. Method, path and query, headers
and body go through unchanged (bar the hop-by-hop headers, plus `X-Forwarded-For`,
`-Proto` and `-Host`), and so do the upstream's status, headers and body, streamed back;
`X-Balagh-Upstream` tells which upstream answered (its position, from 1).

Retries. A request moves on to the next upstream only when the connection to one could not
be opened, i.e. before a single byte of it was sent. Once anything was sent it is never sent
again, whatever happens next (the upstream drops the connection, answers 5xx, times out):
the client gets 502 (504 on a timeout) and decides. A message POSTed to the assistant is
thus handled at most once by the proxy; a second try by the client is the client's call (a
filed report carries an idempotency key anyway). Every connection to an upstream is new
(no keep-alive pool), so that "could not connect" is the only failure that can come before
sending: aiohttp's connection trace tells whether a connection was opened at all, and only a
request that never got one is tried again. When no upstream accepts the connection the
answer is 502 with a JSON body: `{"error": "bad_gateway", "message": "…"}`.

It keeps no state about conversations: any Rasa server can take any turn because they share
the tracker store (SQL) and the lock store (Redis, `REDIS_URL`), as Rasa documents for
horizontal scaling. nginx with `proxy_next_upstream error` (and not `timeout` or
`non_idempotent`) behaves the same way; this one needs nothing installed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import signal
import sys
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from aiohttp import (
    ClientError,
    ClientResponse,
    ClientSession,
    ClientTimeout,
    DummyCookieJar,
    TCPConnector,
    TraceConfig,
    web,
)
from multidict import CIMultiDict
from yarl import URL

logger = logging.getLogger("bot.proxy")

# RFC 9110 §7.6.1: meaningful only for one connection, never forwarded.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
UPSTREAM_HEADER = "X-Balagh-Upstream"
DEFAULT_TIMEOUT_S = 120.0
MAX_BODY_BYTES = 64 * 1024 * 1024  # uploads travel base64 in the JSON body
CONNECT_TIMEOUT_S = 5.0


async def _mark_connected(_session: ClientSession, context: Any, _params: Any) -> None:
    """Trace hook: a connection to the upstream was opened (from now on, maybe sent)."""
    if context.trace_request_ctx is not None:
        context.trace_request_ctx.connected = True


class _BrokenRelay(Exception):
    """The upstream failed half-way through its answer (aiohttp then drops the connection)."""


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


def _request_headers(request: web.Request) -> CIMultiDict[str]:
    headers: CIMultiDict[str] = CIMultiDict()
    dropped = HOP_BY_HOP | {
        name.strip().lower() for name in request.headers.get("Connection", "").split(",")
    }
    for name, value in request.headers.items():
        if name.lower() not in dropped and name.lower() != "content-length":
            headers.add(name, value)
    peer = request.remote or ""
    previous = request.headers.get("X-Forwarded-For")
    headers["X-Forwarded-For"] = f"{previous}, {peer}" if previous else peer
    headers.setdefault("X-Forwarded-Proto", request.scheme)
    headers.setdefault("X-Forwarded-Host", request.host)
    return headers


class RoundRobinProxy:
    """The proxy's state: the upstreams, whose turn is next, one HTTP client session."""

    def __init__(
        self, upstreams: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT_S
    ) -> None:
        if not upstreams:
            raise ValueError("at least one upstream is needed")
        self.upstreams = [URL(u.rstrip("/")) for u in upstreams]
        self.timeout = timeout
        self._turn = itertools.count()
        self._session: ClientSession | None = None

    def app(self) -> web.Application:
        application = web.Application(client_max_size=MAX_BODY_BYTES)
        application.router.add_route("*", "/{tail:.*}", self.handle)
        application.on_startup.append(self._open)
        application.on_cleanup.append(self._close)
        return application

    async def _open(self, _app: web.Application) -> None:
        trace = TraceConfig()
        trace.on_connection_create_end.append(_mark_connected)
        self._session = ClientSession(
            # a new connection per request: "no connection" then always means "not sent"
            connector=TCPConnector(force_close=True, limit=0),
            timeout=ClientTimeout(total=self.timeout, sock_connect=CONNECT_TIMEOUT_S),
            auto_decompress=False,  # pass the upstream's bytes and Content-Encoding on as is
            cookie_jar=DummyCookieJar(),  # never one client's cookies to another
            trace_configs=[trace],
        )

    async def _close(self, _app: web.Application) -> None:
        if self._session is not None:
            await self._session.close()

    def order(self) -> list[int]:
        """The upstreams to try for one request: its turn first, then the others."""
        first = next(self._turn) % len(self.upstreams)
        return [(first + i) % len(self.upstreams) for i in range(len(self.upstreams))]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        body = await request.read()
        headers = _request_headers(request)
        refused: list[str] = []
        for index in self.order():
            upstream = self.upstreams[index]
            url = URL(str(upstream) + request.raw_path, encoded=True)
            attempt = SimpleNamespace(connected=False)
            try:
                async with self._session.request(
                    request.method,
                    url,
                    headers=headers,
                    data=body or None,
                    allow_redirects=False,
                    skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
                    trace_request_ctx=attempt,
                ) as upstream_response:
                    return await self._relay(request, upstream_response, index)
            except (TimeoutError, ClientError, OSError) as error:
                if not attempt.connected:
                    # no connection was opened, so nothing was sent: the next upstream may
                    logger.warning("upstream %s: no connection (%r)", upstream, error)
                    refused.append(f"{upstream}: {error}")
                    continue
                logger.error(
                    "upstream %s failed on %s %s after the request was sent: %r",
                    upstream, request.method, request.path, error,
                )
                if isinstance(error, TimeoutError):
                    return _error(
                        504, "gateway_timeout",
                        f"upstream {index + 1} did not answer within {self.timeout:.0f} s; "
                        "the request was not sent again",
                    )
                return _error(
                    502, "bad_gateway",
                    f"upstream {index + 1} failed after the request was sent ({error!r}); "
                    "it was not sent again",
                )
        return _error(
            502, "bad_gateway", "no upstream server is reachable: " + "; ".join(refused)
        )

    async def _relay(
        self, request: web.Request, upstream_response: ClientResponse, index: int
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            status=upstream_response.status, reason=upstream_response.reason
        )
        dropped = HOP_BY_HOP | {
            name.strip().lower()
            for name in upstream_response.headers.get("Connection", "").split(",")
        }
        for name, value in upstream_response.headers.items():
            if name.lower() not in dropped:
                response.headers.add(name, value)
        response.headers[UPSTREAM_HEADER] = str(index + 1)
        if upstream_response.content_length is None:
            response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            async for chunk in upstream_response.content.iter_any():
                await response.write(chunk)
        except (TimeoutError, ClientError, OSError) as error:
            # the status line is gone already: all that is left is to cut the connection
            raise _BrokenRelay(f"upstream {index + 1} broke off its answer: {error!r}") from error
        await response.write_eof()
        return response


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot proxy",
        description="Round-robin reverse proxy in front of several Rasa servers. A request "
        "goes to the next upstream in turn; it is tried on another only when the connection "
        "could not be opened (never once sent). 502 with a JSON error when none answers.",
    )
    parser.add_argument("--listen", type=int, default=5005, metavar="PORT",
                        help="port to listen on (default 5005)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    parser.add_argument("--upstream", action="append", required=True, metavar="URL",
                        help="an upstream base URL, e.g. http://127.0.0.1:5105 (repeat)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="S",
                        help=f"seconds an upstream may take to answer (default "
                        f"{DEFAULT_TIMEOUT_S:.0f}); then 504, not retried")
    return parser.parse_args(argv)


async def serve(proxy: RoundRobinProxy, host: str, port: int) -> None:
    """Run until SIGINT or SIGTERM."""
    runner = web.AppRunner(proxy.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    print(
        f"proxy listening on http://{host}:{port}/ -> "
        + ", ".join(str(u) for u in proxy.upstreams),
        flush=True,
    )
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    try:
        await stopped.wait()
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        proxy = RoundRobinProxy(args.upstream, timeout=args.timeout)
        asyncio.run(serve(proxy, args.host, args.listen))
    except OSError as error:  # e.g. the port is taken
        print(f"error: proxy could not listen on {args.host}:{args.listen}: {error}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
