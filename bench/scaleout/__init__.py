"""`python -m bench.scaleout`: 2 API processes + 2 workers on PostgreSQL keep every invariant."""
