"""The HTML the built-in server shows people: its login form, the device verification form and
the short answers after them. Every value is escaped; pages are never cached nor framed."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from starlette.responses import HTMLResponse

HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    # No form-action: browsers apply it to the redirect after the login form, which goes to
    # the client's own callback.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
_STYLE = (
    "body{font-family:sans-serif;max-width:28em;margin:4em auto}label{display:block;margin:.6em 0}"
)


def _page(title: str, body: str, status: int) -> HTMLResponse:
    html = (
        f"<!doctype html><html><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _hidden(fields: Mapping[str, str]) -> str:
    return "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )


def _error(message: str) -> str:
    return f'<p role="alert"><strong>{escape(message)}</strong></p>' if message else ""


_CREDENTIALS = (
    '<label>Username <input name="username" autocomplete="username" required></label>'
    '<label>Password <input name="password" type="password" autocomplete="current-password" '
    "required></label>"
)


def login(action: str, carried: Mapping[str, str], client_id: str, error: str = "") -> HTMLResponse:
    body = (
        f"<p>{escape(client_id)} asks to act on your behalf.</p>{_error(error)}"
        f'<form method="post" action="{escape(action)}">{_hidden(carried)}{_CREDENTIALS}'
        '<button type="submit">Log in</button></form>'
    )
    return _page("Log in to flightdeck", body, 401 if error else 200)


def device(action: str, user_code: str, error: str = "", status: int = 200) -> HTMLResponse:
    body = (
        f"<p>Enter the code your device shows, then log in.</p>{_error(error)}"
        f'<form method="post" action="{escape(action)}">'
        f'<label>Code <input name="user_code" value="{escape(user_code)}" required></label>'
        f"{_CREDENTIALS}"
        '<button type="submit" name="decision" value="approve">Approve</button> '
        '<button type="submit" name="decision" value="deny">Deny</button></form>'
    )
    return _page("Connect a device", body, status)


def message(title: str, text: str, status: int = 200) -> HTMLResponse:
    return _page(title, f"<p>{escape(text)}</p>", status)
