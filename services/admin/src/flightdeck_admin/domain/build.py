"""The running build, as AdminService.GetVersion reports it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ControlPlaneVersion:
    version: str
    build: str
    build_time: str
