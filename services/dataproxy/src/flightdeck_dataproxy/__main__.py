from flightdeck_dataproxy.server import main

main()
