"""Validation sessions (`session` LOCK): a validation reserves a use and gift credits."""
