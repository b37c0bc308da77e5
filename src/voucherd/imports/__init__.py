"""Imports (CSV files and JSON arrays) of vouchers, customers, products, SKUs and orders, run as
async actions through the same services as the single-object API."""
