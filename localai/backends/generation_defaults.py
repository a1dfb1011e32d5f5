"""A transformers model's own sampling defaults, read from its ``generation_config.json``.

No model load and no transformers import: the file is plain JSON beside the weights. Only the
sampling values the model's authors chose are taken (temperature, top-p, top-k, repetition
penalty); ``do_sample: false`` means the model is meant to answer greedily (temperature 0).
Values outside the bounds declared in ``options.py`` are ignored, as is a broken file.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ..options import CHAT_NUMBERS, MODEL_SAMPLING

log = logging.getLogger(__name__)

FILE_NAME = "generation_config.json"


def model_sampling(folder: Path) -> dict[str, float | int]:
    """The ChatOptions fields this model folder's generation_config.json sets (empty when none)."""
    path = Path(folder) / FILE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring %s: %s", path, exc)
        return {}
    if not isinstance(data, dict):
        return {}
    found: dict[str, float | int] = {}
    for name in MODEL_SAMPLING:
        value, option = data.get(name), CHAT_NUMBERS[name]
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if option.whole and value != int(value) or not option.allows(value):
            log.info("ignoring %s=%r in %s (outside %g..%g)", name, value, path, option.lo, option.hi)
            continue
        found[name] = int(value) if option.whole else float(value)
    if data.get("do_sample") is False:
        found["temperature"] = 0.0
    return found
