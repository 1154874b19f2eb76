"""Staff sign-in for the staff pages (坐席工作台, 评测) at ``/staff/``.

Citizens' page (``/``) stays public. Everything under ``/staff`` — the page, its gradio
configuration, and every gradio API endpoint of the staff pages (search, draft, article, recent
turns, evaluation) — answers only to a signed-in staff member; the sign-in form is the one
exception. Accounts come from ``POLICY_STAFF_ACCOUNTS`` (``name:password,…``); when
``POLICY_ADMIN_TOKEN`` is set, ``admin`` signs in with the token too. With neither, the staff
pages are closed and say how to open them.

Sessions are random tokens kept by the server for ``POLICY_STAFF_SESSION_MINUTES`` (default 8
hours) in an ``HttpOnly``, ``SameSite=Strict`` cookie limited to ``/staff``; signing out ends
the session on the server. Sign-ins and sign-outs are logged (names, never passwords).
"""

from __future__ import annotations

import html
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.settings import Settings

log = logging.getLogger(__name__)

STAFF_PATH = "/staff"
COOKIE = "pa_staff"
LOGIN_PATH = f"{STAFF_PATH}/login"
LOGOUT_PATH = f"{STAFF_PATH}/logout"


def parse_accounts(spec: str) -> dict[str, str]:
    """``"wang:pw1, li:pw2"`` → {name: password}; raises ValueError for an entry without both."""
    accounts: dict[str, str] = {}
    for entry in (e.strip() for e in spec.split(",")):
        if not entry:
            continue
        name, sep, password = entry.partition(":")
        if not sep or not name.strip() or not password:
            raise ValueError(
                "POLICY_STAFF_ACCOUNTS 的格式应为「用户名:密码」，多个账号用逗号分隔；"
                f"有一项不符合：{name.strip() or '（空）'}"
            )
        accounts[name.strip()] = password
    return accounts


class StaffAuth:
    """Who may sign in, and the sessions of those who did."""

    def __init__(
        self,
        accounts: dict[str, str],
        session_minutes: float = 480.0,
        clock: Callable[[], float] = time.monotonic,
        max_sessions: int = 10_000,
    ) -> None:
        if session_minutes <= 0:
            raise ValueError(f"expected session_minutes > 0; got {session_minutes}")
        self._accounts = dict(accounts)
        self._ttl = session_minutes * 60
        self._clock = clock
        self._max = max_sessions
        self._sessions: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> StaffAuth:
        accounts = (
            parse_accounts(settings.staff_accounts.get_secret_value()) if settings.staff_accounts else {}
        )
        token = settings.admin_token.get_secret_value() if settings.admin_token else ""
        if token:
            accounts.setdefault("admin", token)
        return cls(accounts, settings.staff_session_minutes)

    @property
    def enabled(self) -> bool:
        return bool(self._accounts)

    @property
    def session_seconds(self) -> float:
        return self._ttl

    def check(self, name: str, password: str) -> bool:
        """True for a known name with its password (compared in constant time)."""
        expected = self._accounts.get(name.strip())
        # compare against something even for an unknown name, so timing does not tell names apart
        ok = secrets.compare_digest(password.encode(), (expected or secrets.token_hex(16)).encode())
        return ok and expected is not None

    def sign_in(self, name: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._drop_expired(now)
            while len(self._sessions) >= self._max:
                self._sessions.pop(next(iter(self._sessions)))
            self._sessions[token] = (name.strip(), now + self._ttl)
        return token

    def user(self, token: str | None) -> str | None:
        """The signed-in name for a session token; None when unknown or expired."""
        if not token:
            return None
        with self._lock:
            found = self._sessions.get(token)
            if found is None:
                return None
            name, expires = found
            if self._clock() >= expires:
                self._sessions.pop(token, None)
                return None
            return name

    def sign_out(self, token: str | None) -> str | None:
        with self._lock:
            found = self._sessions.pop(token or "", None)
        return found[0] if found else None

    def _drop_expired(self, now: float) -> None:
        for token in [t for t, (_, expires) in self._sessions.items() if now >= expires]:
            self._sessions.pop(token, None)

    def request_user(self, request: Request) -> str | None:
        """For gradio's ``auth_dependency``: the signed-in staff name of a request."""
        return self.user(request.cookies.get(COOKIE))


_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>工作人员登录 · 政策咨询助手</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; background: #f5f7fb;
  margin: 0; display: flex; min-height: 100vh; align-items: center; justify-content: center; }}
form {{ background: #fff; border: 1px solid #d0d7e2; border-radius: 10px; padding: 24px; width: min(360px, 92vw); }}
h1 {{ font-size: 1.25rem; margin: 0 0 4px; }}
p {{ color: #555; font-size: 0.9rem; }}
label {{ display: block; margin: 12px 0 4px; }}
input {{ width: 100%; box-sizing: border-box; padding: 8px; font-size: 1rem; border: 1px solid #b8c2d1; border-radius: 6px; }}
button {{ margin-top: 16px; width: 100%; padding: 10px; font-size: 1rem; background: #1d4ed8; color: #fff;
  border: 0; border-radius: 6px; cursor: pointer; }}
.error {{ color: #b91c1c; }}
</style></head>
<body><form method="post" action="{action}" id="pa-login">
<h1>工作人员登录</h1>
<p>坐席工作台和评测页面仅供工作人员使用。市民咨询请回到<a href="/">首页</a>。</p>
{message}
<label for="username">用户名</label><input id="username" name="username" autocomplete="username" required>
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="pa-login-submit">登录</button>
</form></body></html>"""

CLOSED = "坐席工作台未启用：请设置 POLICY_STAFF_ACCOUNTS（工作人员账号，格式「用户名:密码」）或 POLICY_ADMIN_TOKEN 后重启服务。"


def login_page(message: str = "", status: int = 200) -> HTMLResponse:
    shown = f'<p class="error" id="pa-login-error">{html.escape(message)}</p>' if message else ""
    return HTMLResponse(_PAGE.format(action=LOGIN_PATH, message=shown), status)


def staff_router(auth: StaffAuth) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(LOGIN_PATH)
    def login_form() -> Response:
        if not auth.enabled:
            return login_page(CLOSED, 403)
        return login_page()

    @router.post(LOGIN_PATH)
    async def login(request: Request) -> Response:
        if not auth.enabled:
            return login_page(CLOSED, 403)
        raw = (await request.body()).decode("utf-8", errors="replace")
        form = parse_qs(raw, keep_blank_values=True)
        name = (form.get("username") or [""])[0][:100]
        password = (form.get("password") or [""])[0][:1000]
        if not auth.check(name, password):
            log.warning("staff sign-in refused", extra={"user": name[:40]})
            return login_page("用户名或密码不正确。", 401)
        token = auth.sign_in(name)
        log.info("staff signed in", extra={"user": name})
        # a browser's form goes on to the staff pages; a program (gradio_client) gets a plain 200
        response: Response
        if "text/html" in request.headers.get("accept", ""):
            response = RedirectResponse(f"{STAFF_PATH}/", status_code=303)
        else:
            response = Response(
                json.dumps({"success": True, "message": "已登录"}, ensure_ascii=False).encode(),
                media_type="application/json",
            )
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(auth.session_seconds),
            path=STAFF_PATH,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    @router.get(LOGOUT_PATH)
    @router.post(LOGOUT_PATH)
    def logout(request: Request) -> Response:
        name = auth.sign_out(request.cookies.get(COOKIE))
        if name:
            log.info("staff signed out", extra={"user": name})
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        response.delete_cookie(COOKIE, path=STAFF_PATH)
        return response

    return router


class StaffGate:
    """Nothing under ``/staff`` but the sign-in form answers without a live staff session: a page
    request is sent to the form, anything else (gradio's API, its queue, its files) gets 401."""

    def __init__(self, app: ASGIApp, auth: StaffAuth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        guarded = scope["type"] in ("http", "websocket") and (
            path == STAFF_PATH or path.startswith(STAFF_PATH + "/")
        )
        if not guarded or path in (LOGIN_PATH, LOGOUT_PATH):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if self.auth.user(request.cookies.get(COOKIE)) is not None:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        accept = request.headers.get("accept", "")
        if scope.get("method") == "GET" and "text/html" in accept:
            response: Response = RedirectResponse(LOGIN_PATH, status_code=303)
        else:
            message = "请先登录坐席工作台（/staff/login）。" if self.auth.enabled else CLOSED
            response = Response(
                json.dumps({"detail": message}, ensure_ascii=False).encode(),
                status_code=401 if self.auth.enabled else 403,
                media_type="application/json",
            )
        await response(scope, receive, send)
