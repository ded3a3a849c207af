"""Benchmarks: each module runs with `python -m bench.<name>` and prints its figures.
`python -m bench` runs them all. They are measurements, not tests."""
