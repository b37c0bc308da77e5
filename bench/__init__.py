"""Benchmarks that drive a real `voucherd serve` over HTTP."""
