"""The only code that talks to AWS. Each adapter satisfies ports of `services/ports.py`
structurally: it imports the domain, never a service (tests/unit/test_import_graph.py)."""
