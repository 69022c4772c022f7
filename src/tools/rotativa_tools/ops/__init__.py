"""What an operator runs against a deployed stack, beside the CLI that wraps it."""
