"""The consultation channel (留言咨询): citizens' messages, staff replies, staff accounts and the
audit trail, in the same SQLAlchemy database as the conversation log (issue 16).

- :mod:`channel.schema` — the tables (migration ``0002`` in ``assistant/log/migrations``);
- :mod:`channel.store` — :class:`ChannelStore`, every read and write of them;
- :mod:`channel.passwords` — argon2 hashing of staff passwords;
- :mod:`channel.service` — what citizens and staff do: leave a message, read a reply by its
  query code, the queue, replies with verified citations and external sources;
- :mod:`channel.cli` — ``policy-assistant users add/disable/list``.

Staff sign-in with roles over these accounts is :mod:`ui.staff_accounts`; the staff API
:mod:`ui.staff_api`; the pages :mod:`ui.pages.channel_forms` (citizens) and
:mod:`ui.pages.messages` (留言处理).
"""
