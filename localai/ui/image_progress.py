"""The Image tab's progress line: a bar with the step, the image of the batch and the time left."""

from __future__ import annotations

from ..messages import text


def progress_html(step: int, total: int, line: str) -> str:
    """A progress bar at ``step`` of ``total`` with ``line`` (already in the page's language) under it."""
    pct = 100 * step / total if total else 0
    return (f'<div class="image-progress" data-step="{step}" data-total="{total}">'
            f'<progress value="{step}" max="{total}" style="width:100%"></progress>'
            f'<div>{line} ({pct:.0f}%)</div></div>')


def eta_text(seconds: float, lang: str = "en") -> str:
    """The time left, in seconds under a minute and a half, else in minutes."""
    if seconds < 90:
        return text(lang, "image.eta_s", seconds=f"{seconds:.0f}")
    return text(lang, "image.eta_min", minutes=f"{seconds / 60:.0f}")
