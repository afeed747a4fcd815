"""A scripted browser for the Pkce test, named by ``BROWSER``: flytekit hands the authorization
URL to ``webbrowser``, which runs this. It logs in on the login page and follows the redirect
to flytekit's local callback. The work happens in a forked child: ``webbrowser`` waits for this
process to exit, and flytekit answers its callback only after that. Each run appends the URL
to ``FLIGHTDECK_TEST_BROWSER_LOG``, so the test can count logins."""

from __future__ import annotations

import html
import os
import re
import sys
import traceback

import httpx

HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')
ACTION = re.compile(r'<form method="post" action="([^"]*)">')


def log_in(url: str) -> None:
    with httpx.Client(timeout=30) as browser:
        page = browser.get(url)
        page.raise_for_status()
        fields = {html.unescape(k): html.unescape(v) for k, v in HIDDEN.findall(page.text)}
        fields["username"] = os.environ["FLIGHTDECK_TEST_USERNAME"]
        fields["password"] = os.environ["FLIGHTDECK_TEST_PASSWORD"]
        found = ACTION.search(page.text)
        assert found, page.text
        action = httpx.URL(url).join(html.unescape(found.group(1)))
        answer = browser.post(action, data=fields)
        assert answer.status_code == 303, answer.text
        browser.get(answer.headers["location"]).raise_for_status()


def main(url: str) -> None:
    with open(os.environ["FLIGHTDECK_TEST_BROWSER_LOG"], "a") as log:
        log.write(url + "\n")
    if os.fork():
        return
    status = 0
    try:
        log_in(url)
    except Exception:
        traceback.print_exc()
        status = 1
    finally:
        sys.stderr.flush()
        os._exit(status)


if __name__ == "__main__":
    main(sys.argv[1])
