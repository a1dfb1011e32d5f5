"""Ollama API request bodies, checked field by field (see api_ollama.py for the routes).

Fields and their meanings are Ollama's own (its docs/api.md): ``model``, ``messages`` (role, content, ``images``
as base64 strings), ``prompt``, ``system``, ``images``, ``options`` (Modelfile parameters), ``stream`` (default
true), ``format``, ``tools``, ``think``, ``keep_alive``. What LocalAI cannot do is refused with a 400 that says so,
never ignored in silence: ``tools`` and tool messages, ``think``, ``raw``, ``suffix``, ``template``, ``context``,
``logprobs``. ``format`` ("json", or a JSON schema) is structured output (structured_output.py), as /v1's
``response_format`` json_object / json_schema. Options that only tune Ollama's own runner
(``num_ctx``, ``num_gpu``, ``num_thread``, ``mirostat``...) are ignored, as Ollama itself ignores unknown ones.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from .api import BadField, _get, _number
from .api_chat_content import picture_from_url
from .chat_images import IMAGE_BYTES, check_picture, picture_too_big
from .errors import InvalidInput
from .options import CHAT_MESSAGES, CHAT_NUMBERS, MAX_STOP_STRINGS

# Ollama option -> ChatOptions field.
OPTION_FIELDS = {"temperature": "temperature", "top_p": "top_p", "top_k": "top_k", "num_predict": "max_new_tokens",
                 "repeat_penalty": "repetition_penalty", "presence_penalty": "presence_penalty",
                 "frequency_penalty": "frequency_penalty", "seed": "seed"}
ROLES = ("system", "user", "assistant")
BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


@dataclass(frozen=True)
class OllamaChat:
    """A /api/chat or /api/generate request in LocalAI's terms."""

    model: str
    messages: list[dict[str, Any]]  # role, content and, when sent, images (picture files); [] = just load the model
    sampling: dict[str, Any]  # the ChatOptions fields the client set
    stream: bool


@dataclass(frozen=True)
class OllamaEmbed:
    model: str
    texts: list[str]  # [] = just check the model (Ollama loads it)
    dimensions: int | None


def model_field(body: dict) -> str:
    """``model`` (older clients send ``name``); "" when missing (the caller answers "model is required")."""
    return (_get(body, "model", str, "") or _get(body, "name", str, "")).strip()


# -- the fields shared by chat and generate ----------------------------------------------------------------------
def sampling_options(body: dict) -> dict[str, Any]:
    """``options`` (and ``format``) as ChatOptions fields, each within the bounds /v1 uses (400 naming
    ``options.<name>``)."""
    options = _get(body, "options", dict, {})
    sampling: dict[str, Any] = {}
    if (structured := response_format(body.get("format"))) is not None:
        sampling["response_format"] = structured
    for name, field in OPTION_FIELDS.items():
        if name == "num_predict" and isinstance(options.get(name), int) and options[name] < 0:
            continue  # -1 (no limit) and -2 (fill the context): the server's own answer length
        try:
            value = _number(options, name, CHAT_NUMBERS[field])
        except BadField as exc:
            raise _in_options(exc, name) from None
        if value is not None:
            sampling[field] = value
    stop = options.get("stop")
    stop = [stop] if isinstance(stop, str) else stop
    if stop is not None and (not isinstance(stop, list) or not all(isinstance(s, str) and s for s in stop)
                             or len(stop) > MAX_STOP_STRINGS):
        raise _in_options(BadField("stop", "error.api.stop", max=MAX_STOP_STRINGS), "stop")
    if stop:
        sampling["stop"] = tuple(stop)
    return sampling


def _in_options(exc: BadField, name: str) -> BadField:
    exc.params["field"] = exc.field = f"options.{name}"
    return exc


def response_format(value: Any) -> tuple[str, ...] | None:
    """``format`` as ``ChatOptions.response_format`` holds it: "json" -> JSON mode, an object -> its JSON schema."""
    from .structured_output import parse_response_format  # noqa: PLC0415

    if value in (None, ""):
        return None
    if value == "json":
        return ("json_object",)
    if not isinstance(value, dict):
        raise BadField("format", "error.ollama.format")
    return parse_response_format({"type": "json_schema", "json_schema": {"name": "", "schema": value}})


def refuse_unsupported(body: dict, model: str) -> None:
    """400 for what LocalAI's Ollama API does not do (see the module's docstring)."""
    if body.get("tools"):  # the official client always sends "tools": []
        raise BadField("tools", "error.api.no_tools")
    if body.get("think") not in (None, False):
        raise BadField("think", "error.ollama.no_thinking", name=model)
    if body.get("raw"):
        raise BadField("raw", "error.ollama.raw", "hint.ollama.raw")
    for name in ("suffix", "template", "context", "logprobs", "top_logprobs"):
        if body.get(name):
            raise BadField(name, "error.ollama.unsupported_field")


def pictures(value: Any, where: str) -> list[bytes]:
    """``images``: a list of base64-encoded picture files (data URLs are taken too), each checked."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadField(where, "error.ollama.images_list")
    return [_picture(item.strip(), f"{where}[{i}]") for i, item in enumerate(value)]


def _picture(text: str, where: str) -> bytes:
    if text.lower().startswith("data:"):
        return picture_from_url(text, where)
    if len(text) * 3 // 4 > IMAGE_BYTES + 3:  # refused before decoding what is too big anyway
        raise picture_too_big(where, len(text) * 3 // 4)
    payload = re.sub(r"\s+", "", text)
    if not payload or not BASE64.match(payload):
        raise BadField(where, "error.ollama.image_base64", "hint.ollama.image_base64")
    try:
        data = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise BadField(where, "error.ollama.image_base64", "hint.ollama.image_base64") from None
    check_picture(data, where)
    return data


def _stream(body: dict) -> bool:
    return _get(body, "stream", bool, True)  # Ollama streams unless told not to


# -- /api/chat, /api/generate ------------------------------------------------------------------------------------
def parse_chat(body: dict) -> OllamaChat:
    """A /api/chat body. Empty ``messages``: Ollama loads the model and answers done_reason "load"."""
    model = model_field(body)
    refuse_unsupported(body, model)
    messages = _get(body, "messages", list, [])
    CHAT_MESSAGES.check(len(messages), "messages")  # before any work per message
    msgs = []
    for i, m in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            raise BadField(where, "error.api.message_object", item=where)
        role = m.get("role")
        if role == "tool" or m.get("tool_calls") or m.get("tool_name"):
            raise BadField(f"{where}.tool_calls" if m.get("tool_calls") else f"{where}.role", "error.api.no_tools")
        if role not in ROLES:
            raise BadField(f"{where}.role", "error.api.role", item=where, role=role)
        content = _get(m, "content", str, "")
        images = pictures(m.get("images"), f"{where}.images")
        msgs.append({"role": role, "content": content, **({"images": images} if images else {})})
    return OllamaChat(model, msgs, sampling_options(body), _stream(body))


def parse_generate(body: dict) -> OllamaChat:
    """A /api/generate body as one user message (after ``system``). No prompt and no images: load the model."""
    model = model_field(body)
    refuse_unsupported(body, model)
    prompt = _get(body, "prompt", str, "")
    system = _get(body, "system", str, "")
    images = pictures(body.get("images"), "images")
    msgs: list[dict[str, Any]] = []
    if prompt or images:
        msgs = [*([{"role": "system", "content": system}] if system else []),
                {"role": "user", "content": prompt, **({"images": images} if images else {})}]
    return OllamaChat(model, msgs, sampling_options(body), _stream(body))


# -- /api/embed, /api/embeddings ---------------------------------------------------------------------------------
def parse_embed(body: dict, field: str = "input") -> OllamaEmbed:
    """/api/embed (``input``: a string or strings) or, with ``field="prompt"``, the older /api/embeddings."""
    model = model_field(body)
    given = body.get(field)
    texts = [] if given in (None, "") else [given] if isinstance(given, str) else given
    if not isinstance(texts, list) or field == "prompt" and not isinstance(given, (str, type(None))):
        raise BadField(field, "error.embed.input_kind")
    for i, item in enumerate(texts):
        if not isinstance(item, str):
            raise BadField(f"{field}[{i}]", "error.embed.input_kind")
    dimensions = _get(body, "dimensions", int)
    if dimensions is not None and dimensions < 1:
        raise BadField("dimensions", "error.embed.dimensions_positive")
    if body.get("truncate") is False:  # LocalAI always cuts a text at the model's window
        raise InvalidInput("error.ollama.no_truncate_false", "hint.ollama.truncate").about("truncate")
    return OllamaEmbed(model, texts, dimensions)
