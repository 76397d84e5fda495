"""The web app's guards: the access token, the Host header, and CSRF tokens on form posts.

* **Token.** With ``--token`` (or ``CHAINSCREEN_TOKEN``) every request must carry it: an
  ``Authorization: Bearer`` header (programs), or the cookie set when a browser first opens
  ``/?token=...``. A non-local ``--host`` needs a token.
* **Host.** Bound to a loopback address, the app answers only requests addressed to
  ``localhost``/``127.0.0.1``/``[::1]``, so a web page on another site cannot reach it through
  DNS rebinding.
* **CSRF.** Pages set a random ``chainscreen_csrf`` cookie and put the same value in every form;
  a form post (``application/x-www-form-urlencoded``, ``multipart/form-data`` or
  ``text/plain``, what a page on another site can send) without the matching value gets 403.
  A post whose ``Origin`` is another site gets 403 whatever its type. JSON posts from programs
  need neither (a browser cannot send JSON to another site without its consent).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

TOKEN_COOKIE = "chainscreen_token"
CSRF_COOKIE = "chainscreen_csrf"
CSRF_FIELD = "csrf"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")


def is_local(host: str) -> bool:
    """Whether ``host`` (a name or address to bind) is this machine only."""
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two secrets; False when either is missing."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def new_secret() -> str:
    """A random token for a cookie or a form (32 bytes, URL-safe)."""
    return secrets.token_urlsafe(32)


def request_host(scope: dict[str, Any]) -> str:
    """The host name a request was addressed to (Host header without the port)."""
    for key, value in scope.get("headers") or ():
        if key == b"host":
            text = value.decode("latin-1").strip().lower()
            if text.startswith("["):
                return text[: text.find("]") + 1]
            return text.rsplit(":", 1)[0] if text.count(":") == 1 else text
    return ""


def origin_ok(origin: str | None, host_header: str | None) -> bool:
    """A post's Origin, when present, must be the app itself (same host and port)."""
    if not origin:
        return True
    if origin == "null":
        return False
    parts = urlsplit(origin)
    return bool(host_header) and parts.netloc.lower() == str(host_header).lower()


ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                   Awaitable[None]]


class Guard:
    """ASGI middleware: Host check on a local bind, token on every request when one is set.

    A browser that opens ``...?token=T`` gets the token as an HttpOnly, SameSite=Strict cookie
    and is redirected to the same address without it, so the token does not stay in the
    address bar or the history.
    """

    def __init__(self, app: ASGIApp, *, token: str | None, local_only: bool,
                 extra_hosts: tuple[str, ...] = ()) -> None:
        self.app = app
        self.token = token
        self.local_only = local_only
        self.hosts = {*LOCAL_NAMES, *extra_hosts}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request
        from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse

        if self.local_only and request_host(scope) not in self.hosts:
            await PlainTextResponse("This server answers only on localhost.", 421)(scope, receive, send)
            return
        if self.token is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        given = request.query_params.get("token")
        if given is not None and same(given, self.token) and request.method == "GET":
            query = "&".join(f"{k}={v}" for k, v in request.query_params.multi_items() if k != "token")
            target = request.url.path + (f"?{query}" if query else "")
            response = RedirectResponse(target, 303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
            await response(scope, receive, send)
            return
        auth = request.headers.get("authorization", "")
        bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        if same(bearer, self.token) or same(request.cookies.get(TOKEN_COOKIE), self.token):
            await self.app(scope, receive, send)
            return
        if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
            await JSONResponse({"error": "this server needs its token: send "
                                         "'Authorization: Bearer <token>'"}, 401)(scope, receive, send)
        else:
            await PlainTextResponse("This server needs its token: open it with ?token=<token> "
                                    "(as printed by chainscreen serve).", 401)(scope, receive, send)
