"""A randomized invariant checker: seeded concurrent workloads, then conservation laws.

`engine.run` drives N concurrent clients through random mixes of every state-changing
operation (through the real ASGI app), logs what each client saw (`oplog`), then checks
conservation laws against the database and the API (`checks`) and prints a minimal trace
for every law that breaks. `tests/invariants` runs a bounded version on PostgreSQL;
`python -m bench.invariants` runs long ones.
"""
