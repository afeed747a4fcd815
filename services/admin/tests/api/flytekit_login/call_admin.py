"""Real flytekit in its own process (its auth state, keyring and ``webbrowser`` choice are per
process), configured by the config file named in argv: one AdminService call, a pause long
enough for the access token to expire, another call. Prints each answer."""

from __future__ import annotations

import sys
import time

from flytekit.clients.friendly import SynchronousFlyteClient
from flytekit.configuration import PlatformConfig


def main(config_file: str, pause: float) -> None:
    client = SynchronousFlyteClient(PlatformConfig.auto(config_file))
    print("first call:", client.get_control_plane_version(), flush=True)
    time.sleep(pause)
    print("second call:", client.get_control_plane_version(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
