"""The conversation log: masked turns, feedback and exports, in any SQLAlchemy database.

The schema is versioned with alembic; migrations ship in ``assistant/log/migrations`` and run
automatically (``upgrade head``) the first time a :class:`ConversationLog` touches its database.
"""

from assistant.log.repository import ConversationLog, Feedback, LoggedTurn, LogUnavailable, TurnRecord

__all__ = ["ConversationLog", "Feedback", "LogUnavailable", "LoggedTurn", "TurnRecord"]
