from flightdeck_scheduler.server import main

main()
