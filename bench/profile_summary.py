"""Summarises a py-spy profile in its raw (collapsed stacks) format: the share of samples in
each of our frames and the drivers' (inclusive), and the frames the samples ended in (self).

Record one under load, then summarise it, e.g. for CreateExecution::

    py-spy record -p <admin pid> -d 60 -r 50 -f raw -o admin.txt --nonblocking
    uv run python bench/profile_summary.py admin.txt --within CreateExecution

``--within`` keeps only the stacks passing through a frame naming that text (one RPC's share);
py-spy leaves out idle stacks, so the shares are of the time the process was on the CPU."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

OURS = ("flightdeck", "pymongo", "aiokafka", "redis", "bson", "protobuf", "grpc")


def summarise(path: Path, within: str, top: int) -> str:
    total = 0
    inclusive: Counter[str] = Counter()
    ending: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if within and within not in stack:
            continue
        samples = int(count)
        frames = stack.split(";")
        total += samples
        ending[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    if not total:
        return f"no samples{' within ' + within if within else ''}"
    lines = [f"{total} samples{' within ' + within if within else ''}", "", "inclusive:"]
    ours = [(f, n) for f, n in inclusive.most_common() if any(k in f for k in OURS)]
    lines += [f"{n / total:6.1%}  {frame}" for frame, n in ours[:top]]
    lines += ["", "self:"]
    lines += [f"{n / total:6.1%}  {frame}" for frame, n in ending.most_common(top // 2)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--within", default="", help="keep stacks through a frame naming this")
    parser.add_argument("--top", type=int, default=40)
    arguments = parser.parse_args()
    print(summarise(arguments.profile, arguments.within, arguments.top))


if __name__ == "__main__":
    main()
