"""Stacking rules: per-project limits and order for redeemables stacked in one request."""
