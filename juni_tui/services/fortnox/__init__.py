"""Fortnox: the HTTP client, the OAuth connection, what Fortnox accepts, and its reference data."""
