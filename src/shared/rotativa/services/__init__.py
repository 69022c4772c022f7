"""Use cases: each takes plain inputs and domain objects and returns domain results, and
speaks to the world through the ports of `services/ports.py`, each defined once there."""
