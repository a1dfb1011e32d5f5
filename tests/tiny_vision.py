"""A tiny random vision-language model (Idefics3, SmolVLM's architecture) with its processor, built offline.

The folder is what SmolVLM's own holds, in miniature:

    folder/
        config.json  generation_config.json  model.safetensors
        tokenizer.json  tokenizer_config.json  processor_config.json  chat_template.jinja

The tokenizer is tests/tiny_models.py's byte-level BPE plus Idefics3's special tokens; the image processor is
the PIL one (no torchvision needed), resizing a picture's longest side to ``LONGEST_EDGE`` and then to one
32 x 32 tile, which the vision tower (patches of 4 px, pixel shuffle x2) turns into ``IMAGE_TOKENS`` tokens.
Weights are random: answers are gibberish, but pictures change them.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

IMAGE_TOKEN = "<image>"
END_OF_UTTERANCE = "<end_of_utterance>"
VISION_SPECIAL_TOKENS = ("<fake_token_around_image>", IMAGE_TOKEN, "<global-img>", END_OF_UTTERANCE)
LONGEST_EDGE = 64  # what the processor resizes a picture to (and what the backend downscales bigger ones to)
TILE = 32  # the vision tower's input size
PATCH = 4
SCALE_FACTOR = 2
IMAGE_TOKENS = (TILE // PATCH) ** 2 // SCALE_FACTOR**2  # 16 tokens per picture

# SmolVLM's template, shape for shape (a picture part writes <image>, which the processor expands), taking
# string content too.
SMOLVLM_STYLE_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{ message['role'] | capitalize }}"
    "{% if message['content'] is string %}{{ ': ' + message['content'] }}{% else %}"
    "{% if message['content'][0]['type'] == 'image' %}{{ ':' }}{% else %}{{ ': ' }}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{ line['text'] }}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}{% endif %}"
    "<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)


def save_tiny_vlm(folder: Path, *, seed: int = 0, hidden_size: int = 64, layers: int = 2,
                  max_position_embeddings: int = 512) -> Path:
    """A ~200k-parameter random Idefics3ForConditionalGeneration and its Idefics3Processor, saved to ``folder``.

    Like the tiny text models, eos and pad are (practically) never generated and only plain-text tokens are
    (see tiny_models._suppress_tokens), so an answer runs to max_new_tokens and reads as ASCII."""
    import torch
    from transformers import GenerationConfig, Idefics3Config, Idefics3ForConditionalGeneration
    from transformers.models.idefics3 import Idefics3Processor
    from transformers.models.idefics3.image_processing_pil_idefics3 import Idefics3ImageProcessorPil
    from transformers.utils import logging as hf_logging

    from tests.tiny_models import _suppress_tokens, _unwanted_ids, build_tokenizer

    tokenizer = build_tokenizer(with_chat_template=False)
    tokenizer.add_special_tokens({"additional_special_tokens": list(VISION_SPECIAL_TOKENS)})
    image_processor = Idefics3ImageProcessorPil(size={"longest_edge": LONGEST_EDGE},
                                                max_image_size={"longest_edge": TILE}, do_image_splitting=False)
    processor = Idefics3Processor(image_processor=image_processor, tokenizer=tokenizer, image_seq_len=IMAGE_TOKENS,
                                  chat_template=SMOLVLM_STYLE_TEMPLATE)
    eos = tokenizer.convert_tokens_to_ids(END_OF_UTTERANCE)
    ids = {"eos_token_id": eos, "pad_token_id": tokenizer.pad_token_id, "bos_token_id": None}
    config = Idefics3Config(
        text_config={"model_type": "llama", "vocab_size": len(tokenizer), "hidden_size": hidden_size,
                     "intermediate_size": 2 * hidden_size, "num_hidden_layers": layers, "num_attention_heads": 4,
                     "num_key_value_heads": 4, "max_position_embeddings": max_position_embeddings,
                     "tie_word_embeddings": False, **ids},
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
                       "image_size": TILE, "patch_size": PATCH},
        scale_factor=SCALE_FACTOR, image_token_id=tokenizer.convert_tokens_to_ids(IMAGE_TOKEN),
        tie_word_embeddings=False, **ids)
    with torch.random.fork_rng(devices=[]):  # leave the caller's RNG alone
        torch.manual_seed(seed)
        model = Idefics3ForConditionalGeneration(config).eval()
    unwanted = _unwanted_ids(tokenizer, suppress_eos=True, plain_text=True)
    # _suppress_tokens reaches the decoder layers as model.model.layers: hand it the language part's.
    _suppress_tokens(SimpleNamespace(get_input_embeddings=model.get_input_embeddings,
                                     get_output_embeddings=model.get_output_embeddings,
                                     model=SimpleNamespace(layers=model.model.text_model.layers)), unwanted)
    model.generation_config = GenerationConfig(**ids)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        model.save_pretrained(folder)
        processor.save_pretrained(folder)
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    return folder
