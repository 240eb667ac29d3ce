"""Domain errors: the text they show."""

from __future__ import annotations


def test_errors_escape_only_the_user_text_they_repeat():
    from bot.errors import InvalidInput

    error = InvalidInput("“{typed}” is not **valid**.", typed="*x*")
    assert str(error) == "“*x*” is not **valid**."
    assert error.render(lambda text: text.replace("*", "\\*")) == "“\\*x\\*” is not **valid**."
    assert (
        InvalidInput("Braces {kept} as written.").render(str.upper) == "Braces {kept} as written."
    )
