"""The tiny offline models used by the other tests load and generate like real ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tiny_models import (
    build_tokenizer,
    save_llama_100m,
    save_tiny_llama,
    save_tiny_qwen2,
)

MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Hello! How are you today?"},
]


@pytest.fixture(scope="module")
def llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="module")
def qwen2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_qwen2(tmp_path_factory.mktemp("tiny-qwen2"))


def _load(folder: Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    return model.eval(), tokenizer


def test_tokenizer_special_tokens_and_round_trip() -> None:
    tok = build_tokenizer()
    assert 512 <= len(tok) <= 1000
    assert tok.eos_token == "<|im_end|>"
    assert tok.pad_token == "<|endoftext|>"
    assert tok.convert_tokens_to_ids("<|im_start|>") != tok.unk_token_id
    for text in [
        "Hello, world! How are you?",
        "  odd  spacing\nnew line\ttab ~`|\\ 123 zebra QXJ don't .",
    ]:
        assert tok.decode(tok(text)["input_ids"]) == text
    assert build_tokenizer(with_chat_template=False).chat_template is None


def test_saved_folder_layout_and_ids(llama_dir: Path) -> None:
    names = {p.name for p in llama_dir.iterdir()}
    assert {"config.json", "generation_config.json", "model.safetensors", "tokenizer.json"} <= names
    assert not any(n.endswith(".bin") for n in names)
    _, tok = _load(llama_dir)
    for name in ("config.json", "generation_config.json"):
        data = json.loads((llama_dir / name).read_text())
        assert data["eos_token_id"] == tok.eos_token_id, name
        assert data["pad_token_id"] == tok.pad_token_id, name
        assert data.get("bos_token_id") == tok.bos_token_id, name


def test_llama_chat_template_and_generate(llama_dir: Path) -> None:
    import torch

    model, tok = _load(llama_dir)
    assert model.config.model_type == "llama"
    assert tok.chat_template
    text = tok.apply_chat_template(MESSAGES, tokenize=False, add_generation_prompt=True)
    assert text.startswith("<|im_start|>system\n")
    assert text.endswith("<|im_end|>\n<|im_start|>assistant\n")
    enc = tok.apply_chat_template(MESSAGES, add_generation_prompt=True, return_dict=True, return_tensors="pt")
    assert "input_ids" in enc and "attention_mask" in enc  # a BatchEncoding in transformers 5
    out = model.generate(**enc, max_new_tokens=20, do_sample=False)
    assert out.shape[1] - enc["input_ids"].shape[1] == 20
    assert isinstance(tok.decode(out[0], skip_special_tokens=True), str)
    torch.manual_seed(0)
    out = model.generate(**enc, max_new_tokens=20, do_sample=True)
    assert out.shape[1] - enc["input_ids"].shape[1] == 20


def test_qwen2_has_no_chat_template_and_generates(qwen2_dir: Path) -> None:
    model, tok = _load(qwen2_dir)
    assert model.config.model_type == "qwen2"
    assert tok.chat_template is None
    assert not (qwen2_dir / "chat_template.jinja").exists()
    enc = tok("Hello! How are you today?", return_tensors="pt")
    out = model.generate(**enc, max_new_tokens=20, do_sample=False)
    assert out.shape[1] - enc["input_ids"].shape[1] == 20


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_suppress_eos_sampling_never_stops_early(llama_dir: Path, seed: int) -> None:
    """Pure sampling (no top-k/top-p) over 200 tokens never picks eos or pad."""
    import torch

    model, tok = _load(llama_dir)
    enc = tok.apply_chat_template(MESSAGES, add_generation_prompt=True, return_dict=True, return_tensors="pt")
    torch.manual_seed(seed)
    out = model.generate(**enc, max_new_tokens=200, do_sample=True, temperature=1.0, top_k=0, top_p=1.0)
    new = out[0, enc["input_ids"].shape[1] :].tolist()
    assert len(new) == 200
    assert tok.eos_token_id not in new and tok.pad_token_id not in new


def test_builders_are_seeded(tmp_path: Path) -> None:
    a = (save_tiny_llama(tmp_path / "a", seed=3) / "model.safetensors").read_bytes()
    b = (save_tiny_llama(tmp_path / "b", seed=3) / "model.safetensors").read_bytes()
    c = (save_tiny_llama(tmp_path / "c", seed=4) / "model.safetensors").read_bytes()
    assert a == b != c


@pytest.mark.slow
def test_llama_100m_parameter_count(tmp_path: Path) -> None:
    """Build and save the benchmark model (~2-3 s, ~400 MB); count from the file header."""
    from safetensors import safe_open

    folder = save_llama_100m(tmp_path / "llama-100m")
    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == "llama"
    total = 0
    with safe_open(folder / "model.safetensors", framework="pt") as f:
        for key in f.keys():  # noqa: SIM118 (safe_open handles are not iterable)
            n = 1
            for dim in f.get_slice(key).get_shape():
                n *= dim
            total += n
    assert 90_000_000 <= total <= 120_000_000


def test_plain_text_output(llama_dir: Path) -> None:
    """Generated text is plain ASCII words and punctuation (no control bytes, no Markdown)."""
    import re

    import torch

    model, tok = _load(llama_dir)
    enc = tok("Tell me a story.", return_tensors="pt")
    torch.manual_seed(0)
    out = model.generate(**enc, max_new_tokens=100, do_sample=True, top_k=0, top_p=1.0)
    text = tok.decode(out[0, enc["input_ids"].shape[1] :], skip_special_tokens=True)
    assert re.fullmatch(r"[A-Za-z0-9 .,!?']+", text), text


def test_suppressed_tokens_have_very_low_logits_in_any_context(llama_dir: Path, qwen2_dir: Path) -> None:
    """Whatever the context (random ids, special tokens included), eos/pad and non-plain tokens lose."""
    import torch

    for folder in (llama_dir, qwen2_dir):
        model, tok = _load(folder)
        ids = torch.randint(0, len(tok), (4, 300), generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            logits = model(input_ids=ids).logits
        blocked = [tok.eos_token_id, tok.pad_token_id]
        assert logits[..., blocked].max() < logits.max(dim=-1).values.min() - 50
