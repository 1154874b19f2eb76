"""Chat-model answering: the LLM answerer, the follow-up condenser and a fake OpenAI server.

``langchain*`` and ``openai`` are imported only in :mod:`assistant.llm.langchain_chat`.
"""
