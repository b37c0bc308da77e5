"""Contract fixtures: the fuzz tests' Management key fixture, shared rather than copied."""

from tests.fuzz.conftest import management_headers

__all__ = ["management_headers"]
