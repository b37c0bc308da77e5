"""Qualifications: which redeemables apply to a customer and cart, answered from live data."""
