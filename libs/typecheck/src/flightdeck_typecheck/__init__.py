"""Flyte literal type rules shared by the compiler, execution creation and signals."""
