"""Chat presets: a system prompt plus the page's sampling settings, under a name.

Three are built in (their names and system prompts in each language of the page), and every user may
save their own (``preset_store.py`` keeps them, per user). ``Presets`` is the service the page calls:
it lists a user's presets after the built-in ones, checks a preset before saving it, and refuses to
change a built-in one or anybody else's. Pure data and checks; no heavy imports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import InvalidInput, UserError
from .messages import LANGS, Message, text
from .options import CHAT_NUMBERS, CHAT_SEED, PAGE_SAMPLING, ChatOptions, shown
from .untrusted_input import without_lone_surrogates

if TYPE_CHECKING:
    from .preset_store import PresetStore

# What a preset sets besides the system prompt: the page's sliders and the seed.
PRESET_OPTIONS = (*PAGE_SAMPLING, "seed")
NAME_CHARS = 40  # a name fits on one line of the picker
SYSTEM_CHARS = 20_000  # a long character card fits; far less than a model's context
MAX_PRESETS = 50  # per user
BUILTIN_ID = "builtin:"
OWN_ID = "mine:"


class PresetNotFound(UserError):
    status = 404
    code = "preset_not_found"


class PresetExists(UserError):
    """A preset of that name is saved already; saving again with ``replace=True`` replaces it."""

    status = 409
    code = "preset_exists"


@dataclass(frozen=True)
class Preset:
    """A named system prompt and sampling settings. ``builtin``: the built-in preset's own id (its name
    depends on the language); None for a user's own."""

    name: str
    system: str
    options: ChatOptions
    builtin: str | None = None

    @property
    def id(self) -> str:
        """How the page's picker names it: "builtin:precise", or "mine:" and the user's own name."""
        return f"{BUILTIN_ID}{self.builtin}" if self.builtin else f"{OWN_ID}{self.name}"

    @property
    def values(self) -> tuple[Any, ...]:
        """The system prompt, then the settings in the order of ``PRESET_OPTIONS`` (the page's inputs)."""
        return (self.system, *(getattr(self.options, name) for name in PRESET_OPTIONS))

    def record(self) -> dict[str, Any]:
        """As the presets file stores it."""
        return {"name": self.name, "system": self.system,
                **{name: getattr(self.options, name) for name in PRESET_OPTIONS}}


@dataclass(frozen=True)
class Builtin:
    id: str
    name_key: str
    system_key: str
    options: ChatOptions

    def preset(self, lang: str) -> Preset:
        return Preset(text(lang, self.name_key), text(lang, self.system_key), self.options, self.id)


# Each with a random seed; all within the sliders' ranges and on their steps (tests/test_presets.py).
BUILTINS: tuple[Builtin, ...] = (
    # Facts, code, extraction: nearly the likeliest word each time, a small pool, a light repetition penalty
    # (a strong one pushes a model off the exact words a precise answer needs).
    Builtin("precise", "preset.precise", "preset.precise_system",
            ChatOptions(temperature=0.2, top_p=0.8, top_k=20, max_new_tokens=1024, repetition_penalty=1.05)),
    # The page's own defaults (options.py), as a model without a generation_config.json starts.
    Builtin("balanced", "preset.balanced", "chat.system_default", ChatOptions()),
    # Stories and ideas: a flatter distribution over a wider pool, and repeats discouraged a little more.
    Builtin("creative", "preset.creative", "preset.creative_system",
            ChatOptions(temperature=1.1, top_p=0.95, top_k=100, max_new_tokens=1024, repetition_penalty=1.15)),
)


def builtin_presets(lang: str) -> list[Preset]:
    return [b.preset(lang) for b in BUILTINS]


def clean_name(name: str | None) -> str:
    """A name as it is kept: spaces and line breaks collapsed, lone surrogates replaced."""
    return " ".join(without_lone_surrogates(name or "").split())


def checked_options(values: Mapping[str, Any]) -> ChatOptions:
    """The preset's settings from ``values`` (name -> number), each within its slider's range, whole numbers
    where the option takes them; ``InvalidInput`` (the option's own message) for the first that is not."""
    checked: dict[str, Any] = {}
    for name in PRESET_OPTIONS:
        option = CHAT_NUMBERS[name]
        lo, hi = (CHAT_SEED.lo, CHAT_SEED.hi) if name == "seed" else option.slider_range
        value = values.get(name)
        if value is None and name == "seed":
            value = CHAT_SEED.default  # an emptied seed box: random, as a chat turn reads it
        number = _number(value)
        if number is None or not lo <= number <= hi or (option.whole and not float(number).is_integer()):
            raise InvalidInput(option.error_key, lo=shown(lo), hi=shown(hi)).about(name)
        checked[name] = int(number) if option.whole else float(number)
    return ChatOptions().with_values(checked)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def checked_preset(name: str | None, system: str | None, values: Mapping[str, Any]) -> Preset:
    """A user's preset as it may be saved: a name that is not empty, not too long and not a built-in's (in any
    language), a system prompt of at most ``SYSTEM_CHARS``, settings within the sliders' ranges."""
    name = clean_name(name)
    if not name:
        raise InvalidInput("error.preset.no_name", "hint.preset.type_name").about("name")
    if len(name) > NAME_CHARS:
        raise InvalidInput("error.preset.name_too_long", "hint.preset.shorter_name", max=NAME_CHARS,
                           value=len(name)).about("name")
    if is_builtin_name(name):
        raise InvalidInput("error.preset.builtin_name", "hint.preset.other_name", name=name).about("name")
    system = without_lone_surrogates(system or "")
    if len(system) > SYSTEM_CHARS:
        raise InvalidInput("error.preset.system_too_long", "hint.preset.shorter_system", max=SYSTEM_CHARS,
                           value=len(system)).about("system")
    return Preset(name, system, checked_options(values))


def is_builtin_name(name: str) -> bool:
    """Whether ``name`` is a built-in preset's name in one of the page's languages (case aside)."""
    folded = clean_name(name).casefold()
    return any(folded == text(lang, b.name_key).casefold() for b in BUILTINS for lang in LANGS)


class Presets:
    """The presets service: the built-in ones and each user's own (kept by ``store``)."""

    def __init__(self, store: PresetStore) -> None:
        self._store = store

    @property
    def notice(self) -> Message | None:
        """What the page should tell about the presets file (it was unreadable and is kept aside), if anything."""
        return self._store.notice

    def builtins(self, lang: str = "en") -> list[Preset]:
        """The built-in presets, their names and system prompts in ``lang``."""
        return builtin_presets(lang)

    def list(self, user: str, lang: str = "en") -> list[Preset]:
        """The built-in presets (in ``lang``), then the user's own, by name."""
        return [*builtin_presets(lang), *self._store.list(user)]

    def get(self, user: str, preset_id: str, lang: str = "en") -> Preset:
        """One of this user's presets (or a built-in one) by its ``Preset.id``."""
        for preset in builtin_presets(lang) if preset_id.startswith(BUILTIN_ID) else self._store.list(user):
            if preset.id == preset_id:
                return preset
        raise PresetNotFound("error.preset.not_found", "hint.preset.pick",
                             name=preset_id.removeprefix(OWN_ID).removeprefix(BUILTIN_ID))

    def save(self, user: str, name: str | None, system: str | None, values: Mapping[str, Any],
             replace: bool = False) -> Preset:
        """Save the user's own preset. A name taken already (case aside) raises ``PresetExists`` unless
        ``replace``; a bad name or value raises ``InvalidInput`` and nothing is saved."""
        return self._store.save(user, checked_preset(name, system, values), replace=replace)

    def delete(self, user: str, preset_id: str) -> Preset:
        """Delete one of the user's own presets; a built-in one cannot be."""
        if preset_id.startswith(BUILTIN_ID):
            raise InvalidInput("error.preset.builtin_delete", "hint.preset.builtin_delete")
        return self._store.delete(user, preset_id.removeprefix(OWN_ID))
