"""Background jobs of the earning domain, registered with the worker."""
