"""A tiny random-weight embedding model (a BERT encoder) saved in the normal Hugging Face folder layout, offline.

The tokenizer is a WordPiece trained with ``tokenizers`` on tests/tiny_models.TRAINING_TEXT, with BERT's special
tokens and its "[CLS] text [SEP]" template; the encoder is a 2-layer ``BertModel`` with hidden size 32 and 64
positions (so a window of 64 tokens), randomly initialised from ``seed``.

    folder/
        config.json  model.safetensors  tokenizer.json  tokenizer_config.json
"""

from __future__ import annotations

from pathlib import Path

from tests.tiny_models import TRAINING_TEXT

SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")  # ids 0..4
HIDDEN = 32
POSITIONS = 64


def build_wordpiece_tokenizer(model_max_length: int = 512):
    """A BERT-style WordPiece tokenizer (lowercasing, "[CLS] ... [SEP]"), trained on TRAINING_TEXT."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=600, min_frequency=1, special_tokens=list(SPECIAL),
                                        show_progress=False)
    tok.train_from_iterator(TRAINING_TEXT.splitlines() * 4, trainer=trainer)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]", model_max_length=model_max_length)


def save_tiny_embedding_model(folder: Path, seed: int = 0, positions: int = POSITIONS) -> Path:
    """Save a tiny random BERT encoder with its tokenizer to ``folder`` (e.g. models/embedding/tiny-e5/)."""
    import torch
    from transformers import BertConfig, BertModel

    folder = Path(folder)
    tokenizer = build_wordpiece_tokenizer()
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=HIDDEN, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=positions, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(seed)
    model = BertModel(config).eval()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
