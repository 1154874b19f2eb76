"""``python -m ui.cli …`` runs the ``policy-assistant`` command."""

from ui.cli import app

app()
