"""The error every launch failure raises."""

from __future__ import annotations

__all__ = ["LaunchError"]


class LaunchError(RuntimeError):
    """The product could not be started or reached; the message names the cause."""
