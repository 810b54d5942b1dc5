"""sklhep's benchmarks: same-run speed ratios against the plain engines. Results are JSON."""
