"""Background jobs of the loyalty domain, registered with the worker."""
