"""What both backends do when loading fails: tell out-of-memory from a broken model, free memory."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from ..errors import ModelFolderInvalid, OutOfMemory, UserError, first_line
from ..messages import Message

log = logging.getLogger(__name__)

TORCH_DTYPES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}  # a plan's dtype -> torch's name


def is_oom(exc: BaseException) -> bool:
    import torch  # noqa: PLC0415

    if isinstance(exc, (torch.OutOfMemoryError, MemoryError)):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


def free_memory() -> None:
    import torch  # noqa: PLC0415

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        torch.mps.empty_cache()


def load_failure(exc: BaseException, *, name: str, plan: Message, source: Path, oom_hint_key: str, broken_key: str,
                 broken_hint_key: str) -> UserError:
    """The user's error for a failed load (the memory has already been freed by the caller)."""
    if isinstance(exc, UserError):
        return exc
    if is_oom(exc):
        return OutOfMemory("error.memory.load_oom", oom_hint_key, name=name, plan=plan)
    log.exception("loading %s failed", source, exc_info=exc)
    return ModelFolderInvalid(broken_key, broken_hint_key, source=source, error=first_line(exc))
