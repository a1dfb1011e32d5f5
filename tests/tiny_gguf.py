"""Tiny GGUF files written with the ``gguf`` package's own writer (what llama.cpp's converters use).

They carry real headers (metadata, a vocabulary, a tensor table) and small tensors: enough for the
header reader, the scan and the planner. A file of an architecture transformers cannot read tests
that error; a loadable model is the real SmolLM2 file (tests/real_model.py).
"""

from __future__ import annotations

from pathlib import Path


def write_tiny_gguf(path: Path, architecture: str = "llama", *, file_type: int | None = 15, context_length: int = 4096,
                    vocab: int = 300, hidden: int = 16, layers: int = 2, big_endian: bool = False,
                    name: str = "Tiny test model", model_type: str = "model") -> int:
    """Write a GGUF file and return its tensors' element count. ``file_type``: ``general.file_type``
    (15 = llama.cpp's Q4_K_M; None leaves it out, so the tensors' own types name it: F16 here)."""
    import gguf
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    endian = gguf.GGUFEndian.BIG if big_endian else gguf.GGUFEndian.LITTLE
    writer = gguf.GGUFWriter(str(path), architecture, endianess=endian)
    writer.add_type(model_type)
    writer.add_name(name)
    writer.add_context_length(context_length)
    writer.add_block_count(layers)
    writer.add_embedding_length(hidden)
    writer.add_head_count(1)
    if file_type is not None:
        writer.add_file_type(file_type)
    writer.add_token_list([f"tok{i}" for i in range(vocab)])  # an array of strings, skipped by the reader
    writer.add_token_scores([0.0] * vocab)  # an array of numbers
    writer.add_string("tokenizer.chat_template", "{% for m in messages %}{{ m['content'] }}{% endfor %}")
    total = 0
    shapes = [("token_embd.weight", (vocab, hidden)), ("output_norm.weight", (hidden,))]
    for i in range(layers):
        shapes += [(f"blk.{i}.attn_q.weight", (hidden, hidden)), (f"blk.{i}.ffn_up.weight", (hidden * 2, hidden)),
                   (f"blk.{i}.attn_norm.weight", (hidden,))]
    for tensor_name, shape in shapes:
        values = np.full(shape, 0.5, dtype=np.float32 if len(shape) == 1 else np.float16)  # the writer byte-swaps
        writer.add_tensor(tensor_name, values)
        total += values.size
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return total
