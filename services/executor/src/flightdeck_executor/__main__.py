from flightdeck_executor.server import main

main()
