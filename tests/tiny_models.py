"""Tiny random-weight chat models saved in the normal Hugging Face folder layout.

Everything here works offline: the tokenizer is a byte-level BPE trained on the
text below, the models are randomly initialised.  Used by test fixtures, by the
browser test (which launches the app on a saved folder) and by the benchmark.

    folder/
        config.json  generation_config.json  model.safetensors
        tokenizer.json  tokenizer_config.json  [chat_template.jinja]
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # heavy imports stay inside the functions
    from transformers import PreTrainedModel, PreTrainedTokenizerFast

__all__ = [
    "CHATML_TEMPLATE",
    "TRAINING_TEXT",
    "ALWAYS_REFUSING_TEMPLATE",
    "GEMMA_STYLE_TEMPLATE",
    "build_tokenizer",
    "copy_with_chat_template",
    "save_llama_100m",
    "save_tiny_llama",
    "save_tiny_qwen2",
]

IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
ENDOFTEXT = "<|endoftext|>"
SPECIAL_TOKENS = (ENDOFTEXT, IM_START, IM_END)  # ids 0, 1, 2
TOKENIZER_VOCAB_SIZE = 768
# With plain_text=True only tokens made of these characters can be generated.
PLAIN_TEXT = re.compile(r"[A-Za-z0-9 .,!?']+")

# ChatML.  `content` may be a plain string or a list of {"type": "text", "text": ...} parts.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "{{ '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# Gemma 2's template, shape for shape: no system role, and user/model turns must alternate.
GEMMA_STYLE_TEMPLATE = (
    "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
    "{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}"
    "{% if message['role'] == 'assistant' %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}"
    "{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}"
)
# A template that refuses every conversation, whatever shape it is given.
ALWAYS_REFUSING_TEMPLATE = "{{ raise_exception('Only tool calls are supported') }}"

TRAINING_TEXT = """\
The quick brown fox jumps over the lazy dog. A local assistant runs on your own
computer: it answers questions, writes short stories, explains code and keeps
your conversations private, because nothing leaves the machine.

Hello! How can I help you today? I can summarise a document, translate a
sentence, suggest a name for a project or help you plan a trip. Ask me anything,
and I will do my best to give a clear and friendly answer.

Python is a programming language that lets you work quickly and integrate
systems more effectively. A function takes arguments and returns a value; a
class groups data with the methods that act on it. Tests check that the code
does what the documentation says it does.

The weather today is sunny with a light breeze from the west. Tomorrow there may
be rain in the morning, clearing in the afternoon, with temperatures between 12
and 19 degrees. Remember to bring an umbrella, just in case.

Once upon a time, in a small village by the sea, there lived an old fisherman
and his cat. Every morning they sailed out before sunrise, and every evening
they came home with a story to tell. The children of the village would gather
around the fire to listen, asking questions about whales, storms and stars.

Numbers: 0 1 2 3 4 5 6 7 8 9 10 42 100 2024. Punctuation: , . ; : ! ? ' " ( )
[ ] { } - _ + = * / \\ | @ # $ % ^ & ~ ` < >. The system prompt tells the
assistant how to behave; the user asks; the assistant replies.
"""


def build_tokenizer(with_chat_template: bool = True) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE on TRAINING_TEXT and wrap it with ChatML special tokens.

    Ids: <|endoftext|>=0 (pad), <|im_start|>=1, <|im_end|>=2 (eos); no bos token.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=TOKENIZER_VOCAB_SIZE,
        min_frequency=1,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # Repeat the text so that merges of pairs seen once still rank sensibly.
    tok.train_from_iterator(TRAINING_TEXT.splitlines(keepends=True) * 4, trainer=trainer)

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=None,
        eos_token=IM_END,
        pad_token=ENDOFTEXT,
        unk_token=None,
        additional_special_tokens=[IM_START, IM_END],
        clean_up_tokenization_spaces=False,
        model_max_length=512,
    )
    if with_chat_template:
        tokenizer.chat_template = CHATML_TEMPLATE
    return tokenizer


def copy_with_chat_template(source: Path, folder: Path, template: str) -> Path:
    """A copy of a saved tiny model (weights linked, not copied) whose tokenizer has ``template``."""
    folder = Path(folder)
    folder.mkdir(parents=True)
    for file in Path(source).iterdir():
        if file.name != "chat_template.jinja":
            (folder / file.name).symlink_to(file.resolve())
    (folder / "chat_template.jinja").write_text(template, encoding="utf-8")
    return folder


def _token_ids(tokenizer: PreTrainedTokenizerFast) -> dict[str, Any]:
    return {
        "bos_token_id": tokenizer.bos_token_id,  # None: ChatML models have no bos
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }


def _unwanted_ids(tokenizer: PreTrainedTokenizerFast, *, suppress_eos: bool, plain_text: bool) -> list[int]:
    ids: set[int] = set()
    if suppress_eos:
        ids |= {tokenizer.eos_token_id, tokenizer.pad_token_id}
    if plain_text:
        ids |= {i for i in range(len(tokenizer)) if not PLAIN_TEXT.fullmatch(tokenizer.decode([i]))}
    return sorted(ids)


def _suppress_tokens(model: PreTrainedModel, token_ids: list[int]) -> None:
    """Make `token_ids` (eos, pad, ...) practically never generated by a random model.

    Zeroing their lm_head rows alone is not enough: a zero logit sits in the middle
    of the random logits, so sampling still picks eos about once in len(vocab) steps
    (a third of 200-token samples stopped early).  So hidden channel 0 is made a
    constant: it is 0.1 in every token embedding and no layer writes to it, so after
    the final RMSNorm it is positive whatever the context.  lm_head ignores that
    channel except in the suppressed rows, which are zero but for a large negative
    weight on it.  Measured: suppressed logits below -150 (100M) or -4000 (tiny),
    the others within +-2.5.  Needs untied embeddings (the default here).
    """
    import torch

    embed = model.get_input_embeddings().weight
    head = model.get_output_embeddings().weight
    if embed.data_ptr() == head.data_ptr():
        raise ValueError("suppress_eos needs untied input/output embeddings")
    channel = 0
    with torch.no_grad():
        embed[:, channel] = 0.1  # larger values make greedy output loop on one token
        for layer in model.model.layers:  # no layer writes to the channel: it stays 0.1
            for proj in (layer.self_attn.o_proj, layer.mlp.down_proj):
                proj.weight[channel, :] = 0.0
                if proj.bias is not None:
                    proj.bias[channel] = 0.0
        head[:, channel] = 0.0
        head[token_ids, :] = 0.0
        head[token_ids, channel] = -2000.0  # the normed channel is 0.08-4: logits -160..-8000


def _save(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerFast,
    folder: Path,
) -> Path:
    from transformers import GenerationConfig
    from transformers.utils import logging as hf_logging

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.generation_config = GenerationConfig(**_token_ids(tokenizer))
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # save_pretrained draws a "Writing model shards" bar
    try:
        model.save_pretrained(folder)  # safetensors is the default in transformers 5
        tokenizer.save_pretrained(folder)
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    return folder


def _build_and_save(
    family: str,
    folder: Path,
    *,
    chat_template: bool,
    hidden_size: int,
    layers: int,
    heads: int,
    max_position_embeddings: int,
    seed: int,
    suppress_eos: bool,
    plain_text: bool,
    intermediate_size: int | None = None,
) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    tokenizer = build_tokenizer(with_chat_template=chat_template)
    config_cls, model_cls = {
        "llama": (LlamaConfig, LlamaForCausalLM),
        "qwen2": (Qwen2Config, Qwen2ForCausalLM),
    }[family]
    config = config_cls(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=intermediate_size or 2 * hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=max_position_embeddings,
        tie_word_embeddings=False,
        **_token_ids(tokenizer),
    )
    with torch.random.fork_rng(devices=[]):  # leave the caller's RNG alone
        torch.manual_seed(seed)
        model = model_cls(config).eval()
    unwanted = _unwanted_ids(tokenizer, suppress_eos=suppress_eos, plain_text=plain_text)
    if unwanted:
        _suppress_tokens(model, unwanted)
    return _save(model, tokenizer, folder)


def save_tiny_llama(
    folder: Path,
    *,
    chat_template: bool = True,
    hidden_size: int = 64,
    layers: int = 2,
    heads: int = 4,
    max_position_embeddings: int = 512,
    seed: int = 0,
    suppress_eos: bool = True,
    plain_text: bool = True,
) -> Path:
    """A ~180k-parameter random LlamaForCausalLM with a ChatML tokenizer, saved to `folder`.

    suppress_eos: eos and pad are (practically) never generated, so generation always
    runs to max_new_tokens, greedy or sampled (see _suppress_tokens).
    plain_text: only tokens made of ASCII letters, digits, spaces and . , ! ? ' are
    generated (no control characters, partial UTF-8 bytes or Markdown/HTML symbols).
    """
    return _build_and_save(
        "llama",
        folder,
        chat_template=chat_template,
        hidden_size=hidden_size,
        layers=layers,
        heads=heads,
        max_position_embeddings=max_position_embeddings,
        seed=seed,
        suppress_eos=suppress_eos,
        plain_text=plain_text,
    )


def save_tiny_qwen2(
    folder: Path,
    *,
    chat_template: bool = False,
    hidden_size: int = 64,
    layers: int = 2,
    heads: int = 4,
    max_position_embeddings: int = 512,
    seed: int = 0,
    suppress_eos: bool = True,
    plain_text: bool = True,
) -> Path:
    """Like save_tiny_llama with Qwen2; by default WITHOUT a chat template."""
    return _build_and_save(
        "qwen2",
        folder,
        chat_template=chat_template,
        hidden_size=hidden_size,
        layers=layers,
        heads=heads,
        max_position_embeddings=max_position_embeddings,
        seed=seed,
        suppress_eos=suppress_eos,
        plain_text=plain_text,
    )


# ~100M parameters: 12 x (4*768^2 attention + 3*768*2560 MLP) = 99.1M, plus embeddings.
# The vocab stays the tokenizer's (~770), so every generated id decodes to text; the
# transformer blocks carry the weight, which is what bounds decode speed on CPU.
LLAMA_100M = {"hidden_size": 768, "layers": 12, "heads": 12, "intermediate_size": 2560}


def save_llama_100m(folder: Path, seed: int = 0) -> Path:
    """A random ~100M-parameter Llama (fp32, ~400 MB on disk) for the speed benchmark."""
    return _build_and_save(
        "llama",
        folder,
        chat_template=True,
        max_position_embeddings=2048,
        seed=seed,
        suppress_eos=True,
        plain_text=True,
        **LLAMA_100M,
    )
