"""Protobuf values kept in the run state as text (the state is JSON)."""

from __future__ import annotations

import base64
from typing import TypeVar

from google.protobuf.message import Message

M = TypeVar("M", bound=Message)


def encode(message: Message) -> str:
    return base64.b64encode(message.SerializeToString()).decode()


def decode(text: str, message_type: type[M]) -> M:
    message = message_type()
    if text:
        message.ParseFromString(base64.b64decode(text))
    return message
