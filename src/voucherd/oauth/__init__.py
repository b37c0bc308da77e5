"""OAuth 2.0 client-credentials tokens: short-lived bearer tokens acting for an App key."""
