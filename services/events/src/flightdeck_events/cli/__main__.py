import sys

from flightdeck_events.cli.main import main

sys.exit(main())
