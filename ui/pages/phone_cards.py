"""Tables a phone can read: beside a gradio table, the same rows as cards (one row a card, each
cell named by its column), shown instead of the table below 640 px — where the table would
scroll sideways inside its box. The cards follow the table's every change."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr
import pandas as pd

#: cells longer than this take a line of their own in a card
LONG = 16


def _frame(value: Any) -> pd.DataFrame:
    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, dict):  # gradio's own form: {"headers": [...], "data": [[...], ...]}
        return pd.DataFrame(value.get("data") or [], columns=value.get("headers") or None)
    return pd.DataFrame(value or [])


def cards_html(value: Any, title: str, head: int = 1) -> str:
    """The rows of a table as cards: the first ``head`` cells as the card's heading, the others
    as 「column value」 pairs; everything escaped."""
    frame = _frame(value)
    columns = [str(c) for c in frame.columns]
    parts = [f"<div class='pa-cards'><div class='pa-cards-title'>{html.escape(title)}</div>"]
    if frame.empty:
        parts.append("<p class='pa-empty'>（暂无）</p>")
    for row in frame.itertuples(index=False):
        cells = ["" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v) for v in row]
        heading = " · ".join(html.escape(c) for c in cells[:head] if c)
        pairs = []
        for name, cell in zip(columns[head:], cells[head:], strict=False):
            if not cell:
                continue
            wide = " pa-kv-block" if len(cell) > LONG else ""
            pairs.append(
                f"<span class='pa-kv{wide}'><span class='pa-k'>{html.escape(name)}</span>{html.escape(cell)}</span>"
            )
        parts.append(f"<div class='pa-card'><div class='pa-card-head'>{heading}</div>{''.join(pairs)}</div>")
    parts.append("</div>")
    return "".join(parts)


def phone_cards(table: gr.Dataframe, title: str, head: int = 1, elem_id: str | None = None) -> gr.HTML:
    """The card twin of ``table`` (create it right after the table): the table is for wide
    screens, the cards for phones."""
    classes = list(table.elem_classes or []) if isinstance(table.elem_classes, list) else []
    table.elem_classes = [*classes, "pa-wide-only"]
    cards = gr.HTML(cards_html(table.value, title, head), elem_id=elem_id, elem_classes=["pa-phone-only"])
    table.change(
        lambda value: cards_html(value, title, head), inputs=table, outputs=cards, api_visibility="private"
    )
    return cards
