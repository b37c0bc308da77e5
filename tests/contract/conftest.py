"""Contract fixtures: the fuzz tests' fixtures (a Management key, a project with one of
everything, an in-process client), shared rather than copied."""

from tests.fuzz.conftest import fuzz_client, fuzz_project, management_headers, world

__all__ = ["fuzz_client", "fuzz_project", "management_headers", "world"]
