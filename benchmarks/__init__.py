"""Benchmarks that print figures (speed, memory, matching quality). Never run as timed tests."""
