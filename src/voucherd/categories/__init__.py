"""Categories: named, ordered groups of campaigns and vouchers (stacking order)."""
