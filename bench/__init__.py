"""Benchmarks. `make bench` (= `.venv/bin/python bench/run.py`) runs them and writes docs/benchmarks.md."""
