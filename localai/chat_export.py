"""Conversations to and from files: our JSON and Markdown, and ChatGPT's conversations.json.

Parsing checks the whole file before anything is stored, so a bad file changes nothing.
"""

from __future__ import annotations

import time
from typing import Any

from .errors import InvalidInput
from .history import Conversation
from .messages import Message
from .options import JSON_DEPTH
from .untrusted_input import cleaned, parse_json

FORMAT = "localai-conversation"
MAX_IMPORT_BYTES = 200 * 1024 * 1024
MAX_IMPORTED_DOCUMENTS = 50  # per conversation, as when attaching (chat_documents.MAX_DOCUMENTS)


def to_json(conv: Conversation, origin: tuple[str | None, int] | None = None,
            documents: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Our export; ``origin`` (a branch's earlier title and edited message) is kept as ``edited_from``, for the
    reader: an import makes a conversation of its own (the earlier branch may not be in that database)."""
    out = {
        "format": FORMAT,
        "version": 1,
        "title": conv.title,
        "model": conv.model,
        "settings": conv.settings,
        "created": conv.created,
        "messages": [{"role": m["role"], "content": m["content"], "created": m["created"], "meta": m.get("meta") or {}}
                     for m in conv.messages],
    }
    if origin is not None:
        out["edited_from"] = {"title": origin[0], "message": origin[1]}
    if documents:
        out["documents"] = documents  # each with its pages' text
    return out


def to_markdown(conv: Conversation, origin: tuple[str | None, int] | None = None,
                documents: list[dict[str, Any]] | None = None) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(conv.created))
    lines = [f"# {conv.title}", "", f"- Model: {conv.model or 'unknown'}", f"- Started: {when}"]
    if origin is not None:
        lines.append(f"- Edited from: {origin[0] or 'a deleted conversation'}, message {origin[1] + 1}")
    plans = [m["meta"]["plan"] for m in conv.messages if m.get("meta", {}).get("plan")]
    if plans:
        lines.append(f"- Load plan: {plans[-1]}")
    settings = {k: v for k, v in conv.settings.items() if k != "system"}
    if settings:
        lines.append("- Settings: " + ", ".join(f"{k} = {v}" for k, v in settings.items()))
    for doc in documents or []:
        lines.append(f"- Document: {doc['name']} ({len(doc['pages'])} {'pages' if doc['paged'] else 'parts'})")
    if conv.settings.get("system"):
        lines += ["", "**System prompt:**", "", conv.settings["system"]]
    for m in conv.messages:
        label = {"user": "You", "assistant": "Assistant", "system": "System"}.get(m["role"], m["role"])
        meta = m.get("meta") or {}
        note = f" _({meta['tokens']} tokens, {meta['tokens_per_second']:.1f} tokens/s)_" if "tokens" in meta and \
            "tokens_per_second" in meta else ""
        lines += ["", f"### {label}{note}", "", m["content"]]
        used = meta.get("sources") or []
        if used:
            lines += ["", "Sources: " + "; ".join(_source_label(u) for u in used)]
    return "\n".join(lines) + "\n"


def _source_label(source: dict[str, Any]) -> str:
    return f"{source.get('document', '')}, {'p.' if source.get('paged') else 'part'} {source.get('page', '')}"


def _bad(why: Message) -> InvalidInput:
    return InvalidInput("error.import.bad_file", "hint.import.choose_file", why=why)


def _ours(item: dict[str, Any]) -> dict[str, Any]:
    msgs = item.get("messages")
    if not isinstance(msgs, list):
        raise _bad(Message("import.why.no_message_list"))
    out = []
    for m in msgs:
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant") \
                or not isinstance(m.get("content"), str):
            raise _bad(Message("import.why.bad_message"))
        out.append({"role": m["role"], "content": m["content"], "created": _num(m.get("created")),
                    "meta": m.get("meta") if isinstance(m.get("meta"), dict) else {}})
    settings = item.get("settings") if isinstance(item.get("settings"), dict) else {}
    return {"title": str(item.get("title") or "Imported chat")[:200], "model": str(item.get("model") or ""),
            "settings": settings, "created": _num(item.get("created")), "messages": out,
            "documents": _documents(item.get("documents"))}


def _documents(raw: Any) -> list[dict[str, Any]]:
    """The documents of an exported conversation (their pages' text), checked; none when the file has none."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_IMPORTED_DOCUMENTS:
        raise _bad(Message("import.why.bad_document"))
    out = []
    for doc in raw:
        pages = doc.get("pages") if isinstance(doc, dict) else None
        if not isinstance(doc.get("name") if isinstance(doc, dict) else None, str) or not isinstance(pages, list) \
                or not pages or not all(isinstance(p, dict) and isinstance(p.get("text"), str)
                                        and isinstance(p.get("number"), int) for p in pages):
            raise _bad(Message("import.why.bad_document"))
        out.append({"name": doc["name"], "kind": str(doc.get("kind") or "text"), "paged": bool(doc.get("paged")),
                    "pages": [(p["number"], p["text"]) for p in pages]})
    return out


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _chatgpt(item: dict[str, Any]) -> dict[str, Any]:
    """One conversation of a ChatGPT data export: walk from current_node up to the root."""
    mapping = item.get("mapping")
    if not isinstance(mapping, dict):
        raise _bad(Message("import.why.no_mapping"))
    node_id = item.get("current_node") or next((k for k, v in mapping.items()
                                                if isinstance(v, dict) and not v.get("children")), None)
    chain = []
    seen = set()
    while node_id and node_id in mapping and node_id not in seen:
        seen.add(node_id)
        node = mapping[node_id]
        if not isinstance(node, dict):
            raise _bad(Message("import.why.bad_node"))
        chain.append(node)
        node_id = node.get("parent")
    messages = []
    for node in reversed(chain):
        msg = node.get("message")
        if not isinstance(msg, dict):
            continue
        role = (msg.get("author") or {}).get("role")
        content = msg.get("content") or {}
        parts = content.get("parts") if isinstance(content, dict) else None
        text = "\n".join(p for p in parts or [] if isinstance(p, str)).strip() if isinstance(parts, list) else ""
        if role in ("user", "assistant", "system") and text:
            messages.append({"role": role, "content": text, "created": _num(msg.get("create_time")), "meta": {}})
    return {"title": str(item.get("title") or "Imported from ChatGPT")[:200],
            "model": str(item.get("default_model_slug") or ""), "settings": {},
            "created": _num(item.get("create_time")), "messages": messages}


def parse_import(raw: bytes) -> list[dict[str, Any]]:
    """Conversations found in an export file, fully checked; raises InvalidInput for anything else."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise _bad(Message("import.why.too_large", mb=MAX_IMPORT_BYTES // 1024 // 1024))
    try:  # strict JSON of bounded depth; a lone surrogate ("\ud800") is not text: U+FFFD instead
        data = cleaned(parse_json(raw.decode("utf-8-sig")))
    except ValueError:  # UnicodeDecodeError included
        raise _bad(Message("import.why.not_json")) from None
    except InvalidInput:
        raise _bad(Message("import.why.too_deep", max=JSON_DEPTH.max)) from None
    items = data if isinstance(data, list) else [data]
    if not items:
        raise _bad(Message("import.why.empty"))
    convs = []
    for item in items:
        if not isinstance(item, dict):
            raise _bad(Message("import.why.not_a_list"))
        if item.get("format") == FORMAT:
            convs.append(_ours(item))
        elif "mapping" in item:
            convs.append(_chatgpt(item))
        else:
            raise _bad(Message("import.why.unknown_format"))
    return convs
