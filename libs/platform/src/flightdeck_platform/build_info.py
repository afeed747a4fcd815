"""What build is running: the package version plus commit and build time stamped by the build."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import metadata


@dataclass(frozen=True)
class BuildInfo:
    version: str
    commit: str
    built_at: str


def build_info(distribution: str) -> BuildInfo:
    try:
        version = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        version = "0.0.0+unknown"
    return BuildInfo(
        version=version,
        commit=os.environ.get("FLIGHTDECK_BUILD_COMMIT", "unknown"),
        built_at=os.environ.get("FLIGHTDECK_BUILD_TIME", "unknown"),
    )
