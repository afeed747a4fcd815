"""``flightdeck-events``: the operator's command line for the event pipeline."""
