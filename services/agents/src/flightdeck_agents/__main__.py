from flightdeck_agents.server import main

main()
