"""Use cases: each takes plain inputs and domain objects and returns domain results."""
