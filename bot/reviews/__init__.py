"""Reviews: a reader's comments and replies on one excerpt held as drafts, then
submitted at once (one message in the thread, one notification) or discarded.

Knows nothing of Discord. While a review is open, ``CommentService`` stores that
reader's feedback on the excerpt as drafts (see ``bot/workshop/_comments.py``).
"""

from bot.reviews._service import (
    EXPIRY,
    ReviewService,
    ReviewSubmission,
    ShownReview,
    SubmittedComment,
)

__all__ = [
    "EXPIRY",
    "ReviewService",
    "ReviewSubmission",
    "ShownReview",
    "SubmittedComment",
]
