"""Leakage between splits and benchmark contamination: pure functions over partitions."""
