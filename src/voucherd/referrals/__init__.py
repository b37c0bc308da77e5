"""Referral programs: referral codes, referees, conversions and referrer reward tiers."""
