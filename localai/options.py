"""Every option a user can set, declared once: its default, bounds or choices, and its labels.

The command line (``config.py``), the HTTP API's parsing (``api.py``), the Models tab's settings
dropdowns, the Chat and Image tabs' sliders and the checks in ``ChatOptions.validate`` /
``ImageRequest.check`` / the load planner all read these declarations, so a bound changed here
changes everywhere. Pure data, no heavy imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from .errors import InvalidInput
from .messages import Message


def shown(value: float) -> str:
    """A number as people write it in a message: 4294967295 (not 4.29497e+09), 0.5, 30."""
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    return f"{value:g}"


@dataclass(frozen=True)
class Number:
    """A bounded number. ``error_key`` names the catalog text saying what it takes (``{lo}`` / ``{hi}``)."""

    error_key: str  # e.g. "error.option.temperature": "Temperature must be between {lo} and {hi}."
    default: float | int | None
    lo: float | int
    hi: float | int
    step: float | int = 1
    whole: bool = False  # a whole number (int)
    lo_open: bool = False  # ``lo`` itself is not allowed (top-p > 0)
    label_key: str = ""  # the page's label (a catalog key, messages/en.py)
    info_key: str = ""
    page_range: tuple[float, float] | None = None  # the page's slider range, when narrower than what is accepted

    def allows(self, value: float) -> bool:
        return (self.lo < value if self.lo_open else self.lo <= value) and value <= self.hi

    def problem(self) -> Message:
        """What this option takes, e.g. "Temperature must be between 0 and 2."."""
        return Message(self.error_key, lo=shown(self.lo), hi=shown(self.hi))

    def check(self, value: float, field: str | None = None) -> None:
        """``InvalidInput`` (about ``field``, the request's name for it) when ``value`` is out of bounds."""
        if not self.allows(value):
            raise InvalidInput(self.error_key, lo=shown(self.lo), hi=shown(self.hi)).about(field)

    @property
    def slider_range(self) -> tuple[float, float]:
        return self.page_range or (self.lo, self.hi)


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of names; ``default`` is one of them (or None: left to something else)."""

    title: str  # its name in messages ("device"), the same in every language
    default: str | None
    choices: tuple[str, ...]
    label_key: str = ""
    info_key: str = ""
    help: str = ""  # the command line's help text

    def check(self, value: str) -> None:
        if value not in self.choices:
            raise InvalidInput("error.prefs.unknown_value", "hint.choose_one", name=self.title, value=value,
                               choices=", ".join(self.choices))


# -- chat sampling (the page's defaults; the API starts from the model's own or neutral ones) -------------
TEMPERATURE = Number("error.option.temperature", 0.7, 0, 2, step=0.05, label_key="chat.temperature",
                     info_key="chat.temperature_info")
TOP_P = Number("error.option.top_p", 0.9, 0, 1, step=0.05, lo_open=True, label_key="chat.top_p",
               info_key="chat.top_p_info", page_range=(0.05, 1))
TOP_K = Number("error.option.top_k", 40, 0, 1000, whole=True, label_key="chat.top_k", info_key="chat.top_k_info",
               page_range=(0, 200))
MAX_NEW_TOKENS = Number("error.option.max_new_tokens", 512, 1, 32768, step=16, whole=True,
                        label_key="chat.max_new", info_key="chat.max_new_info", page_range=(16, 4096))
REPETITION_PENALTY = Number("error.option.repetition_penalty", 1.1, 0.5, 3, step=0.01,
                            label_key="chat.repetition", info_key="chat.repetition_info",
                            page_range=(1.0, 2.0))
# OpenAI's penalties: by the count of each token so far, and once a token has appeared.
FREQUENCY_PENALTY = Number("error.option.frequency_penalty", 0.0, -2, 2, step=0.1)
PRESENCE_PENALTY = Number("error.option.presence_penalty", 0.0, -2, 2, step=0.1)
CHAT_SEED = Number("error.option.seed", -1, -1, 2**63 - 1, whole=True, label_key="common.seed",
                   info_key="common.seed_info")
MAX_STOP_STRINGS = 4


@dataclass(frozen=True)
class ChatOptions:
    """How one answer is sampled. The defaults are the page's (see ``PAGE_SAMPLING``)."""

    temperature: float = TEMPERATURE.default
    top_p: float = TOP_P.default
    top_k: int = TOP_K.default  # 0: off
    max_new_tokens: int = MAX_NEW_TOKENS.default
    repetition_penalty: float = REPETITION_PENALTY.default  # 1: off
    seed: int = CHAT_SEED.default  # -1: random
    stop: tuple[str, ...] = ()
    frequency_penalty: float = FREQUENCY_PENALTY.default  # 0: off
    presence_penalty: float = PRESENCE_PENALTY.default  # 0: off
    # The tools offered to the model (OpenAI function tools, each as its JSON text, so the options stay a
    # value): they go into the chat template's ``tools`` (see api_tools.py and prompting.py).
    tools: tuple[str, ...] = ()
    # The answer's required form (see structured_output.py): None (free text), ("json_object",) or
    # ("json_schema", schema as compact JSON text, name); decoding is constrained to it.
    response_format: tuple[str, ...] | None = None

    def validate(self) -> None:
        for name, option in CHAT_NUMBERS.items():
            option.check(getattr(self, name), name)
        if len(self.stop) > MAX_STOP_STRINGS or not all(self.stop):
            raise InvalidInput("error.option.stop", max=MAX_STOP_STRINGS).about("stop")

    def with_values(self, values: Mapping[str, Any]) -> ChatOptions:
        """These options with ``values`` (field name -> value) set; unknown names are ignored."""
        known = {f.name for f in fields(self)}
        return ChatOptions(**{**{f.name: getattr(self, f.name) for f in fields(self)},
                              **{k: v for k, v in values.items() if k in known}})


CHAT_NUMBERS: dict[str, Number] = {
    "temperature": TEMPERATURE, "top_p": TOP_P, "top_k": TOP_K, "max_new_tokens": MAX_NEW_TOKENS,
    "repetition_penalty": REPETITION_PENALTY, "seed": CHAT_SEED, "frequency_penalty": FREQUENCY_PENALTY,
    "presence_penalty": PRESENCE_PENALTY,
}
# The sliders of the Chat tab, in their order on the page.
PAGE_SAMPLING = ("temperature", "top_p", "top_k", "max_new_tokens", "repetition_penalty")
# What a model's generation_config.json may set (the rest is the request's business).
MODEL_SAMPLING = ("temperature", "top_p", "top_k", "repetition_penalty")
# API requests without sampling fields, for a model without a generation_config.json: OpenAI's own
# defaults (temperature 1, top-p 1), no top-k and no repetition penalty.
NEUTRAL_SAMPLING = ChatOptions(temperature=1.0, top_p=1.0, top_k=0, repetition_penalty=1.0)

# -- what one chat request may hold, from the page or the API (the HTTP body has its own limit) ----------
@dataclass(frozen=True)
class Limit:
    """An upper limit on how much a request holds; ``error_key`` says it (``{max}``, and ``{value}`` found)."""

    error_key: str
    hint_key: str
    max: int

    def check(self, value: int, field: str | None = None) -> None:
        if value > self.max:
            raise InvalidInput(self.error_key, self.hint_key, max=self.max, value=value).about(field)


# OpenAI's own limit on messages; far more than any model here reads at once (older ones are left out).
CHAT_MESSAGES = Limit("error.limit.chat_messages", "hint.limit.new_conversation", 2048)
# About 250,000 tokens of text, more than the context of the models that run on one computer.
CHAT_CHARACTERS = Limit("error.limit.chat_characters", "hint.limit.shorter_conversation", 1_000_000)
# Nesting of a JSON request body: the API's own fields nest five levels deep at most.
JSON_DEPTH = Limit("error.limit.json_depth", "hint.limit.json_depth", 32)

# -- image requests (each model family narrows steps and sizes further: image_request.FAMILIES) ----------
IMAGE_SEED = Number("error.option.image_seed", -1, -1, 2**32 - 1, whole=True, label_key="common.seed",
                    info_key="common.seed_info")
IMAGE_STEPS = Number("error.option.image_steps", None, 1, 150, whole=True, label_key="image.steps",
                     info_key="image.steps_info")
GUIDANCE = Number("error.option.guidance", None, 0, 30.0, step=0.5, label_key="image.guidance",
                  info_key="image.guidance_info",
                  page_range=(0, 20))
IMAGE_COUNT = Number("error.option.image_count", 1, 1, 8, whole=True, label_key="image.count")
IMAGE_PROMPT = Limit("error.image.prompt_too_long", "hint.image.shorten", 4000)  # characters, each prompt
STRENGTH = Number("error.option.strength", None, 0, 1, step=0.05, lo_open=True, label_key="edit.strength",
                  info_key="edit.strength_info", page_range=(0.05, 1))  # how much of the source an edit redraws
LORA_WEIGHT = Number("error.option.lora_weight", 1.0, -2, 2, step=0.05, label_key="lora.weight")
LORA_COUNT = Number("error.option.lora_count", 0, 0, 5, whole=True)  # LoRAs at once
IMAGE_SIDE = Number("error.option.image_side", None, 64, 2048, step=8, whole=True)  # max: the family's, at most this
DEFAULT_SCHEDULER = "Default"  # the model's own scheduler

# -- loading: the planner's overrides (Models tab, per model) and the command line's ---------------------
DEVICE = Choice("device", "auto", ("auto", "cuda", "mps", "xpu", "cpu"), "models.device", "models.device_info",
                help="where models run (auto: the GPU when there is one)")
DTYPE = Choice("dtype", "auto", ("auto", "bf16", "fp16", "fp32"), "models.dtype", "models.dtype_info",
               help="precision of the weights (auto: the best for the device)")
QUANTIZATION = Choice("quantization", "auto", ("auto", "none", "int8", "nf4"), "models.quant", "models.quant_info",
                      help="8-bit or 4-bit weights use less memory (auto: only when needed)")
OFFLOAD = Choice("offload", "auto", ("auto", "none", "model", "sequential", "device_map"), "models.offload",
                 "models.offload_info")
LOAD_CHOICES: dict[str, Choice] = {"device": DEVICE, "dtype": DTYPE, "quantization": QUANTIZATION, "offload": OFFLOAD}

# -- serving --------------------------------------------------------------------------------------------
LANGUAGE = Choice("language", None, ("en", "ru"), help="UI language (default: the browser's)")
PORT = Number("error.option.port", 7860, 1, 65535, whole=True)
MAX_QUEUE = Number("error.option.queue", 16, 1, 10_000, whole=True)
MAX_UPLOAD_MB = Number("error.option.max_upload", 50, 1, 100_000, whole=True)  # a file given to the page
API_BODY_MB = 10  # one request's body (/v1 and the page's own): a long conversation is well under 1 MB
