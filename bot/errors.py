"""Errors whose message is written for the person who typed the command.

The command tree's error handler shows these ephemerally and logs nothing;
every other exception is logged and answered with a generic apology.
"""

from __future__ import annotations

from collections.abc import Callable


class MarginaliaError(Exception):
    """A failure the user caused or can fix; ``str(error)`` is shown to them.

    Text the user typed that the message repeats is passed separately, as named
    values for ``{placeholders}`` in the message, so each place that shows the
    message can escape it the way that place needs (Discord markdown, a terminal).
    """

    def __init__(self, message: str, **user_text: str) -> None:
        super().__init__(message)
        self.template = message
        self.user_text = user_text

    def render(self, escape: Callable[[str], str]) -> str:
        if not self.user_text:
            return self.template
        return self.template.format(**{k: escape(v) for k, v in self.user_text.items()})

    def __str__(self) -> str:
        return self.render(lambda text: text)


class InvalidInput(MarginaliaError):
    """The command's input is malformed, out of range or unsupported."""


class NotFound(MarginaliaError):
    """The thing named does not exist in this server (or no longer does)."""


class NotAllowed(MarginaliaError):
    """The caller lacks the right to do this."""


class WrongState(MarginaliaError):
    """The thing exists but cannot take this action now (e.g. a closed excerpt)."""


class PostingFailed(MarginaliaError):
    """Discord refused to take what was being posted; nothing of it was kept."""
