from flightdeck_notifications.server import main

main()
