"""Keep the page's event handlers out of Gradio's API description.

Gradio describes every event handler as an API endpoint (``/gradio_api/info``) and embeds that
description in the page it serves at ``/``, also to a client that has not logged in yet: with
``--listen`` anyone on the network could read about 60 endpoints, their parameters and the model
names given as example values before logging in. LocalAI's API is ``/v1``; the page's handlers are
the page's business. Marked private, they are left out of the description (and Gradio's client
libraries do not offer them by name); the page itself calls them by number, as always.
"""

from __future__ import annotations

from typing import Any


def keep_page_handlers_private(blocks: Any) -> int:
    """Mark every event handler of ``blocks`` private; returns how many there are."""
    handlers = list(blocks.fns.values())
    for handler in handlers:
        handler.api_visibility = "private"
    return len(handlers)
