"""Benchmarks of rotativa (`make bench`): measurements, not tests."""
