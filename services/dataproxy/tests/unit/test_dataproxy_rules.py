"""The pure rules: flyte:// grammar, expiry, upload layout."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flightdeck_dataproxy.domain.errors import InvalidField, InvalidFlyteUrl, MissingField
from flightdeck_dataproxy.domain.expiry import resolve_expiry
from flightdeck_dataproxy.domain.flyte_urls import DataKind, FlyteUrl, NodeRef, parse_flyte_url
from flightdeck_dataproxy.domain.uploads import UploadRequest, random_name

NODE = NodeRef("p", "d", "e", "n0")
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("flyte://v1/p/d/e/n0/i", FlyteUrl(NODE, DataKind.INPUTS)),
        ("flyte://v1/p/d/e/n0/o", FlyteUrl(NODE, DataKind.OUTPUTS)),
        ("flyte://v1/p/d/e/n0/d", FlyteUrl(NODE, DataKind.DECK)),
        ("flyte://v1/p/d/e/n0/3/i", FlyteUrl(NODE, DataKind.INPUTS, 3)),
        ("flyte://v1/p/d/e/n0/0/o", FlyteUrl(NODE, DataKind.OUTPUTS, 0)),
        ("flyte://v1/p/d/e/n0/3/d", FlyteUrl(NODE, DataKind.DECK, 3)),
        ("flyte://v1/p/d/e/n0/i/x", FlyteUrl(NODE, DataKind.INPUTS, None, "x")),
        ("flyte://v1/p/d/e/n0/o/o0", FlyteUrl(NODE, DataKind.OUTPUTS, None, "o0")),
        ("flyte://v1/p/d/e/n0/2/o/my_out-1", FlyteUrl(NODE, DataKind.OUTPUTS, 2, "my_out-1")),
        (
            "flyte://v1/flyte-snacks/dev_1/a1b2/end-node/i",
            FlyteUrl(NodeRef("flyte-snacks", "dev_1", "a1b2", "end-node"), DataKind.INPUTS),
        ),
    ],
)
def test_the_grammar(url: str, parsed: FlyteUrl) -> None:
    assert parse_flyte_url(url) == parsed


@pytest.mark.parametrize(
    "url",
    [
        "",
        "s3://bucket/p/d/e/n0/i",
        "flyte://v2/p/d/e/n0/i",
        "flyte://v1/p/d/e/i",
        "flyte://v1/p/d/e/n0/x",
        "flyte://v1/p/d/e/n0/d/name",
        "flyte://v1/p/d/e/n0/i/",
        "flyte://v1/p/d/e/n0/i/a.b",
        "flyte://v1/p/d/e/n 0/i",
        "flyte://v1/p/d/e/n0/1a/i",
        "flyte://junk/flyte://v1/p/d/e/n0/i",
        "flyte://v1/p/d/e/n0/i?x=1",
    ],
)
def test_what_the_grammar_refuses(url: str) -> None:
    with pytest.raises(InvalidFlyteUrl):
        parse_flyte_url(url)


def test_expiry_defaults_to_the_maximum_and_refuses_out_of_range() -> None:
    assert resolve_expiry(None, HOUR) == HOUR
    assert resolve_expiry(timedelta(0), HOUR) == HOUR
    assert resolve_expiry(timedelta(minutes=5), HOUR) == timedelta(minutes=5)
    assert resolve_expiry(HOUR, HOUR) == HOUR
    for wrong in (timedelta(seconds=-1), HOUR + timedelta(seconds=1)):
        with pytest.raises(InvalidField, match="expires_in"):
            resolve_expiry(wrong, HOUR)


MD5 = bytes(range(16))


def test_upload_layout_uses_base32_of_the_md5_or_the_root() -> None:
    by_md5 = UploadRequest("p", "development", MD5, filename="f.tar.gz")
    assert by_md5.directory == "AAAQEAYEAUDAOCAJBIFQYDIOB4======"
    assert by_md5.key_parts("", "f.tar.gz") == (
        "", "", "p", "development", "AAAQEAYEAUDAOCAJBIFQYDIOB4======", "f.tar.gz"
    )  # fmt: skip
    rooted = UploadRequest("p", "d", MD5, filename_root="root", org="o")
    assert rooted.key_parts("pre", "n") == ("pre", "o", "p", "d", "root", "n")


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (UploadRequest("", "d", MD5), "project"),
        (UploadRequest("p", "", MD5), "domain"),
        (UploadRequest("p", "d", b""), "content_md5"),
        (UploadRequest("p", "d", b"", filename_root="r"), "content_md5"),
    ],
)
def test_upload_requests_need_project_domain_and_md5(request_: UploadRequest, field: str) -> None:
    with pytest.raises(MissingField, match=field):
        request_.validate()


def test_an_md5_must_be_16_bytes() -> None:
    with pytest.raises(InvalidField, match="content_md5"):
        UploadRequest("p", "d", b"short").validate()


def test_random_names_look_like_execution_names() -> None:
    names = {random_name(20) for _ in range(50)}
    assert len(names) == 50
    for name in names:
        assert len(name) == 20
        assert name[0].isalpha()
        assert name.isalnum()
        assert name == name.lower()
