"""What a model can do, as ``GET /v1/models`` lists it in its extra ``capabilities`` field.

    chat        a text model (every one answers /v1/chat/completions)
    completion  a raw prompt continued (/v1/completions): local transformers and GGUF models; not vision
                models (their prompt holds pictures) nor remote ones (their server gets chat requests only)
    vision      a chat model that reads pictures (``catalog.takes_images``)
    tools       its chat template takes tools (below)
    embeddings  an embedding model (/v1/embeddings)
    images      an image model (/v1/images/...)

"tools" is read from the chat template on disk, never by loading a tokenizer: ``chat_template.jinja``,
``chat_template.json`` (a processor's) or ``tokenizer_config.json``'s ``chat_template``, or a GGUF file's
``tokenizer.chat_template``; a template that names ``tools`` takes them. What was read is kept per file,
path, modification time and size. A model not on disk (a catalog model to download) is judged by its family:
Qwen2 / Qwen2.5, Llama 3.1 and later, Mistral v0.3 (``TOOL_FAMILIES``); a remote model's template is not
known here, so it is not listed with "tools".
"""

from __future__ import annotations

import functools
import json
import logging
import re
from pathlib import Path

from .catalog import ModelSpec, takes_images
from .gguf_files import GGUF_BACKEND, GGUFHeaderError, read_gguf_header

log = logging.getLogger(__name__)

COMPLETION_BACKENDS = ("transformers", GGUF_BACKEND)  # the backends with a raw prompt (``complete``)
TEMPLATE_FILES = ("chat_template.jinja", "chat_template.json", "tokenizer_config.json")
# Families whose templates take tools, for models not on disk: (family, pattern its repo id or name matches).
# None: the whole family.
TOOL_FAMILIES = (("qwen2", None), ("llama", re.compile(r"llama-3\.[1-9]", re.IGNORECASE)),
                 ("mistral", re.compile(r"v0\.3", re.IGNORECASE)))
CACHED_TEMPLATES = 256


def model_capabilities(spec: ModelSpec) -> list[str]:
    """What ``spec`` can do (see the module's docstring), in a fixed order."""
    if spec.kind == "embedding":
        return ["embeddings"]
    if spec.kind == "image":
        return ["images"]
    if spec.kind != "text":
        return []
    found = ["chat"]
    if completes(spec):
        found.append("completion")
    if takes_images(spec):
        found.append("vision")
    if takes_tools(spec):
        found.append("tools")
    return found


def completes(spec: ModelSpec) -> bool:
    """Whether ``spec`` continues a raw prompt (``services.complete``)."""
    return spec.kind == "text" and spec.source != "remote" and spec.backend in COMPLETION_BACKENDS


def takes_tools(spec: ModelSpec) -> bool:
    """Whether the model's chat template takes tools: read from disk, else its family's rule (see above)."""
    if spec.source == "remote":
        return False
    if spec.path is None:  # not downloaded
        return any(spec.family == family and (pattern is None or pattern.search(spec.repo_id or spec.name))
                   for family, pattern in TOOL_FAMILIES)
    return "tools" in chat_template_text(spec.path)


def chat_template_text(path: Path) -> str:
    """The chat template(s) of a model folder or GGUF file, as text ("" when it has none or they cannot be read)."""
    files = [path] if path.is_file() else [path / name for name in TEMPLATE_FILES]
    stamps = []
    for file in files:
        try:
            stat = file.stat()
        except OSError:  # not there
            continue
        stamps.append((str(file), stat.st_mtime_ns, stat.st_size))
    return "\n".join(_template_in(*stamp) for stamp in stamps)


@functools.lru_cache(maxsize=CACHED_TEMPLATES)
def _template_in(file: str, mtime_ns: int, size: int) -> str:
    """The chat template text one file holds (the stamp makes an edited file read again)."""
    path = Path(file)
    try:
        if path.suffix == ".gguf":
            return str(read_gguf_header(path).metadata.get("tokenizer.chat_template") or "")
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jinja":
            return text
        template = json.loads(text).get("chat_template") or ""
    except (OSError, ValueError, GGUFHeaderError, AttributeError) as exc:  # GGUFHeaderError is a ValueError too
        log.info("could not read the chat template in %s: %s", file, exc)
        return ""
    if isinstance(template, list):  # named templates: [{"name": "default", "template": "..."}, ...]
        return "\n".join(str(t.get("template", "")) for t in template if isinstance(t, dict))
    return str(template)
