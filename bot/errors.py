"""Errors whose message is written for the person who typed the command.

The command tree's error handler shows these ephemerally and logs nothing;
every other exception is logged and answered with a generic apology.
"""

from __future__ import annotations


class MarginaliaError(Exception):
    """A failure the user caused or can fix; ``str(error)`` is shown to them."""


class InvalidInput(MarginaliaError):
    """The command's input is malformed, out of range or unsupported."""


class NotFound(MarginaliaError):
    """The thing named does not exist in this server (or no longer does)."""


class NotAllowed(MarginaliaError):
    """The caller lacks the right to do this."""


class WrongState(MarginaliaError):
    """The thing exists but cannot take this action now (e.g. a closed excerpt)."""
