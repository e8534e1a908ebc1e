"""Benchmarks at national scale: a population generator and the status recompute benchmark."""
