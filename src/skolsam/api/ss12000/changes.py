"""Observe register changes for tombstones and webhooks."""


def connect() -> None:
    """Connect the change observers (filled in below)."""
