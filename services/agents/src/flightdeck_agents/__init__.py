"""The agents service: flyteidl's agent services in front of the agent servers an operator
configures (flytekit's ``pyflyte serve agent`` and its kin)."""
