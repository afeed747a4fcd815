"""Where an upload goes (admin.md §8.1): ``<prefix>/<org>/<project>/<domain>/<dir>/<filename>``
with empty segments dropped, ``<dir>`` being ``filename_root`` or the base32 of the MD5."""

from __future__ import annotations

import base64
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flightdeck_dataproxy.domain.errors import InvalidField, MissingField

MD5_BYTES = 16
NAME_START = string.ascii_lowercase
NAME_CHARACTERS = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class UploadRequest:
    project: str
    domain: str
    content_md5: bytes
    filename: str = ""
    filename_root: str = ""
    org: str = ""
    expires_in: timedelta | None = None
    md5_metadata: bool = False

    def validate(self) -> None:
        """MD5 is required here (the reference also accepts a bare ``filename_root``): every
        upload URL flightdeck issues is bound to the content it will accept."""
        if not self.project:
            raise MissingField("project")
        if not self.domain:
            raise MissingField("domain")
        if not self.content_md5:
            raise MissingField("content_md5")
        if len(self.content_md5) != MD5_BYTES:
            raise InvalidField("content_md5", f"an MD5 digest is {MD5_BYTES} bytes")

    @property
    def directory(self) -> str:
        """RFC 4648 base32 with padding, as the reference names content-addressed folders."""
        return self.filename_root or base64.b32encode(self.content_md5).decode()

    def key_parts(self, prefix: str, filename: str) -> tuple[str, ...]:
        return (prefix, self.org, self.project, self.domain, self.directory, filename)


def random_name(length: int, choice: Callable[[str], str] = secrets.choice) -> str:
    """A lowercase name starting with a letter, like an execution name."""
    return choice(NAME_START) + "".join(choice(NAME_CHARACTERS) for _ in range(length - 1))
