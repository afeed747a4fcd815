from flightdeck_admin.server import main

main()
