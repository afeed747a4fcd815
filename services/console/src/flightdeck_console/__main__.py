from flightdeck_console.server import main

main()
