"""Exports (`exp_…`): CSV files of vouchers, redemptions, customers and more, written by the
background worker and downloaded through an expiring signed link."""
