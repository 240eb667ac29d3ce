"""The critique exchange: critique measured honestly, credits in a ledger, a fair queue.

Knows nothing of Discord. ``_words`` measures critique (pure), ``_credit`` keeps a
critique's credit live inside the transaction that changes its text, ``_service`` holds
the actions (setup, the posting gate, balances, grants, the queue).
"""

from bot.exchange._credit import CritiqueMeter, credit_thanks, penalty
from bot.exchange._service import (
    MAX_REASON_CHARS,
    QUEUE_PAGE,
    Balance,
    ExchangeService,
    NotEnoughCredits,
    QueuePick,
    book_posted,
    check_can_post,
    score,
    uncommented,
)
from bot.exchange._words import (
    credit_halves,
    critique_words,
    format_halves,
    parse_halves,
    substantive_words,
    words_of,
)
from bot.exchange_models import (
    CritiqueCredit,
    EntryKind,
    ExchangeSettings,
    LedgerEntry,
    QueueItem,
)

__all__ = [
    "MAX_REASON_CHARS",
    "QUEUE_PAGE",
    "Balance",
    "CritiqueCredit",
    "CritiqueMeter",
    "EntryKind",
    "ExchangeService",
    "ExchangeSettings",
    "LedgerEntry",
    "NotEnoughCredits",
    "QueueItem",
    "QueuePick",
    "book_posted",
    "check_can_post",
    "credit_halves",
    "credit_thanks",
    "critique_words",
    "format_halves",
    "parse_halves",
    "penalty",
    "score",
    "substantive_words",
    "uncommented",
    "words_of",
]
