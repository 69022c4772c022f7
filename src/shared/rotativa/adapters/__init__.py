"""The only code that talks to AWS. Each adapter implements the Protocols a service declares."""
