"""The newsroom's concepts, free of AWS, files and environment variables."""
