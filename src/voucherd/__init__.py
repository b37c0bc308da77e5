"""voucherd: a self-hostable, Voucherify-compatible loyalty and promotions engine."""
