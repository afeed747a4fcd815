"""Real flytekit logging a person in against admin's built-in server: ``authType: Pkce`` with
the browser step scripted (``BROWSER`` names ``flytekit_login/browser.py``), and
``authType: DeviceFlow`` with the test approving the printed user code on the verification
page. Each ends with AdminService calls that succeed; the second call comes after the access
token expired, so flytekit uses its refresh token, and the test checks it did not log in
again. flytekit runs in its own process, with a keyring that stores nothing."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import testkit

from flightdeck_platform.auth.settings import (
    AuthSettings,
    IssuerSettings,
    LocalUser,
    RegisteredClient,
)
from flightdeck_platform.host import ServiceHost

HELPERS = Path(__file__).parent / "flytekit_login"
ACCESS_TOKEN_SECONDS = 1
PAUSE = 2.5
"""Between flytekit's two calls: the access token has expired by then (no leeway)."""
DEVICE_URL = re.compile(r"navigate in a browser to the following URL: (\S+)")


@dataclass
class Admin:
    host: ServiceHost
    user_password: str
    tmp: Path

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.host.http_port}"

    def flytekit_config(self, auth_type: str) -> Path:
        path = self.tmp / f"{auth_type}.yaml"
        path.write_text(
            f"admin:\n  endpoint: dns:///127.0.0.1:{self.host.grpc_port}\n  insecure: true\n"
            f"  authType: {auth_type}\n"
        )
        return path


@pytest.fixture
async def admin(tmp_path: Path) -> AsyncIterator[Admin]:
    http_port, callback_port = testkit.free_port(), testkit.free_port()
    callback = f"http://localhost:{callback_port}/callback"
    user_codes = [
        "authorization_code",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:device_code",
    ]
    auth = AuthSettings(
        enabled=True,
        public_url=f"http://127.0.0.1:{http_port}",
        redirect_uri=callback,
        leeway_seconds=0,
        issuer_server=IssuerSettings(
            signing_keys_dir=str(tmp_path / "keys"),
            access_token_seconds=ACCESS_TOKEN_SECONDS,
            device_poll_seconds=1,
            clients=[
                RegisteredClient(
                    client_id="flytectl", grant_types=user_codes, redirect_uris=[callback]
                )
            ],
            users=[LocalUser(username="ada", password_file=str(tmp_path / "ada"))],
        ),
    )
    async with testkit.serve_admin_with_auth(auth, tmp_path, http_port) as served:
        yield Admin(served, (tmp_path / "ada").read_text().strip(), tmp_path)


async def _flytekit(
    admin: Admin, auth_type: str, extra_env: dict[str, str]
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "HOME": str(admin.tmp),  # no ~/.flyte config of whoever runs the tests
        **extra_env,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(HELPERS / "call_admin.py"),
        str(admin.flytekit_config(auth_type)),
        str(PAUSE),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _finished(process: asyncio.subprocess.Process, printed: str = "") -> str:
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    text = printed + out.decode()
    assert process.returncode == 0, text + err.decode()
    return text


async def test_flytekit_pkce_logs_in_through_the_browser_and_refreshes(admin: Admin) -> None:
    logins = admin.tmp / "browser.log"
    process = await _flytekit(
        admin,
        "Pkce",
        {
            "BROWSER": f"{sys.executable} {HELPERS / 'browser.py'} %s",
            "FLIGHTDECK_TEST_BROWSER_LOG": str(logins),
            "FLIGHTDECK_TEST_USERNAME": "ada",
            "FLIGHTDECK_TEST_PASSWORD": admin.user_password,
        },
    )
    printed = await _finished(process)
    assert "first call: 0.1.0" in printed and "second call: 0.1.0" in printed
    opened = logins.read_text().splitlines()
    assert len(opened) == 1, opened  # the second call refreshed; it did not log in again
    assert opened[0].startswith(f"{admin.http_url}/oauth2/authorize?")


async def test_flytekit_device_flow_is_approved_on_the_verification_page(admin: Admin) -> None:
    process = await _flytekit(admin, "DeviceFlow", {})
    assert process.stdout is not None
    printed = ""
    while not (found := DEVICE_URL.search(printed)):
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        assert line, printed
        printed += line.decode()
    async with httpx.AsyncClient(timeout=30) as browser:
        page = await browser.get(found.group(1))
        user_code = re.search(r'name="user_code" value="([^"]+)"', page.text)
        assert user_code, page.text
        approved = await browser.post(
            f"{admin.http_url}/oauth2/device",
            data={
                "user_code": user_code.group(1),
                "username": "ada",
                "password": admin.user_password,
                "decision": "approve",
            },
        )
    assert approved.status_code == 200, approved.text
    printed = await _finished(process, printed)
    assert "first call: 0.1.0" in printed and "second call: 0.1.0" in printed
    assert len(DEVICE_URL.findall(printed)) == 1  # the second call refreshed
