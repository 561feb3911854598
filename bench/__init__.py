"""Benchmarks (make bench, docs/benchmarks.md): the reference against naive loops and PyTorch,
class throughput against bare nbclient and nbgrader. Tests never assert on timings."""
