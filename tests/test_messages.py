"""The catalogs against the code: every key the code uses exists in English and Russian with the same
placeholders, every call fills exactly the placeholders of its texts, and no catalog text is left unused.

The code is read with ``ast``, not imported: a key typed in a new ``raise`` fails here before any
user sees the key instead of a sentence.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from localai.messages import LANGS, Message, catalog, placeholders, render, text

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*(ROOT / "localai").rglob("*.py"), ROOT / "app.py"])
CATALOG_FILES = {ROOT / "localai" / "messages" / f"{lang}.py" for lang in LANGS}
EN, RU = catalog("en"), catalog("ru")
CYRILLIC = re.compile("[а-яА-ЯёЁ]")
KEY = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+\Z")
NAMESPACES = {key.split(".")[0] for key in EN}
# Texts that are the same in both languages: names, and pure layout of other texts.
SAME_IN_BOTH = {"chat.top_p", "check.python", "common.info", "hist.date"}
NOT_KEYS = {"chat.completion", "chat.completion.chunk", "app.py"}  # OpenAI's object names; a file


def _user_error_classes() -> set[str]:
    """Names of UserError and every subclass of it, as the code spells them."""
    import importlib
    import pkgutil

    import localai
    from localai.errors import UserError

    for module in pkgutil.walk_packages(localai.__path__, "localai."):
        importlib.import_module(module.name)
    names, todo = set(), [UserError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


ERRORS = _user_error_classes()
# The arguments that are keys, per kind of call: positions, then keyword names.
KEY_ARGS = {"Message": ((0,), ()), "text": ((1,), ()), "tr": ((1,), ()), "ui": ((0,), ()),
            "BadField": ((1, 2), ()), "Number": ((0,), ())}
DECLARATIONS = {"Number"}  # options.py: the key of an option's error; its keyword arguments are not params


@dataclass(frozen=True)
class Use:
    """One call that names catalog keys."""

    where: str
    keys: tuple[tuple[str, ...], ...]  # per key argument: the key, or both keys of an ``a if c else b``
    params: frozenset[str] | None  # the keyword arguments; None when some come from ``**values``
    optional: frozenset[str] = frozenset()  # passed by the class itself, used by some of its texts


def _constants(node: ast.expr) -> tuple[str, ...]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    if isinstance(node, (ast.JoinedStr, ast.BinOp)):  # a sentence put together in the code: never a key
        return (ast.unparse(node),)
    return ()


def _callee(node: ast.Call) -> str:
    return node.func.id if isinstance(node.func, ast.Name) else node.func.attr if isinstance(
        node.func, ast.Attribute) else ""


def uses() -> Iterator[Use]:
    for path in SOURCES:
        if path in CATALOG_FILES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _callee(node)
            positions, _ = KEY_ARGS.get(name, ((0, 1), ()) if name in ERRORS else ((), ()))
            keys = tuple(_constants(node.args[i]) for i in positions if i < len(node.args))
            keys += tuple(_constants(k.value) for k in node.keywords if k.arg == "hint_key")
            keys = tuple(k for k in keys if k)
            if not keys:
                continue
            if name in ("tr", "text", "ui") and not all(KEY.match(k) for group in keys for k in group):
                continue  # another function of that name
            spread = any(k.arg is None for k in node.keywords) or name in DECLARATIONS
            params = None if spread else frozenset(k.arg for k in node.keywords if k.arg != "hint_key")
            optional = frozenset({"field"} if name == "BadField" else ())  # BadField names its field itself
            yield Use(f"{path.relative_to(ROOT)}:{node.lineno}", keys, params, optional)


def source_strings() -> set[str]:
    """Every string constant in the code, and the fixed start of every f-string (dynamic keys)."""
    found: set[str] = set()
    for path in SOURCES:
        if path in CATALOG_FILES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                found.add(f"{node.values[0].value}*")
    return found


USES = list(uses())
STRINGS_IN_CODE = source_strings()


# --- the catalogs themselves ------------------------------------------------------------------------

def test_both_languages_have_the_same_keys() -> None:
    assert sorted(set(EN) - set(RU)) == [], "missing in ru.py"
    assert sorted(set(RU) - set(EN)) == [], "missing in en.py"


@pytest.mark.parametrize("key", sorted(EN))
def test_each_text_has_the_same_placeholders_and_is_russian_in_russian(key: str) -> None:
    english, russian = EN[key], RU[key]
    assert placeholders(english) == placeholders(russian), key
    assert all(name.isidentifier() for name in placeholders(english)), f"{key}: a placeholder is not a name"
    words = re.sub(r"\{\w+\}|[^A-Za-z]", " ", english).split()
    if key not in SAME_IN_BOTH and any(len(w) > 1 for w in words):
        assert CYRILLIC.search(russian), f"{key}: the Russian text is not in Russian: {russian!r}"


# --- the code against the catalogs ------------------------------------------------------------------

def test_the_code_uses_keys_that_exist() -> None:
    assert len(USES) > 300, "the scan found too few calls: has the code's way of naming keys changed?"
    unknown = [f"{use.where}: {key}" for use in USES for group in use.keys for key in group if key not in EN]
    assert unknown == []


def test_every_call_fills_exactly_the_placeholders_of_its_texts() -> None:
    wrong = []
    for use in USES:
        if use.params is None or not all(key in EN for group in use.keys for key in group):
            continue
        # One text per key argument (a message and its hint share the params); an ``a if c else b`` may
        # leave a placeholder of the other branch unused.
        needed = set().union(*(placeholders(EN[group[0]]) for group in use.keys if len(group) == 1))
        either = set().union(*(placeholders(EN[key]) for group in use.keys for key in group))
        if not needed <= use.params | use.optional or not use.params <= either:
            wrong.append(f"{use.where}: {sorted(use.params)} for {[EN[g[0]] for g in use.keys]}")
    assert wrong == []


def test_key_like_strings_in_the_code_are_in_the_catalog() -> None:
    """Keys the code keeps in tables or passes on (``QUANT_KEYS``, ``oom_hint_key=...``) exist too."""
    missing = sorted(s for s in STRINGS_IN_CODE if KEY.match(s) and s.split(".")[0] in NAMESPACES
                     and s not in EN and s not in NOT_KEYS)
    assert missing == []


def test_no_catalog_text_is_unused() -> None:
    prefixes = tuple(s[:-1] for s in STRINGS_IN_CODE if s.endswith("*") and KEY.match(s[:-1] + "x"))
    unused = sorted(key for key in EN if key not in STRINGS_IN_CODE and not key.startswith(prefixes))
    assert unused == []


# --- rendering ----------------------------------------------------------------------------------------

def test_render_fills_nested_messages_in_the_same_language() -> None:
    reason = Message("plan.text.fits", prefix=Message("plan.prefix.cpu_only"),
                     size=Message("plan.text.size", params=Message("plan.params", count="181K"), bytes="4",
                                  need="0.7 MB"),
                     free="22.6 GB", where=Message("plan.free.ram"), what="fp32",
                     extra=Message("plan.extra.fastest_on_cpu"))
    assert render(reason, "en") == "CPU only: 181K params x 4 B = 0.7 MB fits in 22.6 GB free RAM -> fp32 (fastest on CPU)"
    assert render(reason, "ru") == ("только процессор: 181K параметров x 4 B = 0.7 MB помещается в 22.6 GB свободной "
                                    "ОЗУ -> fp32 (так быстрее всего на процессоре)")
    assert render(reason, "ru-RU") == render(reason, "ru") and render(reason, "de") == render(reason, "en")


def test_messages_are_values() -> None:
    a = Message("status.ready", name="tiny")
    assert a == Message("status.ready", name="tiny") and hash(a) == hash(Message("status.ready", name="tiny"))
    assert a != Message("status.ready", name="other") and str(a) == "tiny is ready."
    with pytest.raises(AttributeError):
        a.key = "x"  # type: ignore[misc]


def test_a_saved_message_comes_back_whole() -> None:
    reason = Message("plan.image.fits_cpu", why_cpu=Message("plan.image.cpu_only"),
                     model=Message("plan.image.model", label="SD 1.5", params=Message("plan.params", count="1.1B")),
                     dtype="fp32", weights="4.3 GB", work="1.2 GB", width=512, height=512, free="20 GB",
                     why=Message("plan.image.fastest_on_cpu"), tiling="")
    again = Message.from_record(reason.as_record())
    assert again == reason and render(again, "ru") == render(reason, "ru")
    assert Message.from_record("an old English reason") is None and Message.from_record(None) is None


def test_plain_strings_and_foreign_errors_pass_through() -> None:
    assert render("cuda out of memory", "ru") == "cuda out of memory"
    assert render(ValueError("boom"), "ru") == "boom"
    assert render(None, "ru") == ""


def test_a_missing_key_shows_the_key_not_a_crash() -> None:
    assert render(Message("no.such.key"), "ru") == "no.such.key"
    assert text("ru", "common.unloaded") == "Модель {name} выгружена, её память освобождена."  # unfilled
