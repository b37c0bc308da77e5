"""The client-side API (`/client/v1/*`): what a shop's web pages call with a publishable key."""
