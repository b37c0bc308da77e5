"""Async actions (`aa_`): long operations (imports, bulk updates) run by the background worker."""
