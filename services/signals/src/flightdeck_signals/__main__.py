from flightdeck_signals.server import main

main()
