"""Benchmarks of the reference package against naive loop implementations."""
