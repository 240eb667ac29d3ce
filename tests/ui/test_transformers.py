"""Typed id options: the core's refusal of a typed id is shown in its own words."""

from __future__ import annotations

import pytest
from discord import AppCommandOptionType, app_commands

from bot.errors import InvalidInput
from bot.ui.error_replies import error_message
from bot.ui.transformers import CommentTransformer, ExcerptTransformer, IdRefused


def _wrapped(cause: Exception) -> app_commands.TransformerError:
    """A transformer's failure as discord.py reports it: the cause rides along."""
    try:
        raise app_commands.TransformerError(
            "x", AppCommandOptionType.string, ExcerptTransformer()
        ) from cause
    except app_commands.TransformerError as error:
        return error


def test_a_domain_error_inside_a_transformer_keeps_its_text() -> None:
    refusal = InvalidInput("“{typed}” is not an excerpt id.", typed="*x*")
    assert error_message(_wrapped(refusal)) == "⚠️ “\\*x\\*” is not an excerpt id."


def test_any_other_transformer_failure_stays_generic() -> None:
    assert error_message(_wrapped(ValueError("boom"))) == (
        "⚠️ “x” is not a valid value for this option."
    )


@pytest.mark.parametrize(
    ("transformer", "what"), [(ExcerptTransformer(), "excerpt"), (CommentTransformer(), "comment")]
)
async def test_a_bad_id_is_refused_with_the_core_error(
    transformer: app_commands.Transformer, what: str
) -> None:
    with pytest.raises(IdRefused) as info:
        await transformer.transform(None, "abc")  # type: ignore[arg-type]  # unused here
    assert isinstance(info.value.original, InvalidInput)
    assert f"is not {'an' if what == 'excerpt' else 'a'} {what} id" in str(info.value.original)
    assert await transformer.transform(None, "#12") == 12  # type: ignore[arg-type]
