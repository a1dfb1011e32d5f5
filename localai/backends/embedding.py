"""The embedding backend: a transformers encoder (BERT / XLM-RoBERTa class) that turns texts into vectors.

It loads an encoder's folder (``AutoTokenizer`` + ``AutoModel``; safetensors and no model code unless the
user opted in for that model, as for chat models) according to its ``LoadPlan`` (fp32 on the CPU, fp16 on a
GPU), and embeds texts in batches on the torch lane: each text gets its role's prompt (E5's "query: " /
"passage: "), is cut at the model's window (512 tokens for E5), and its token vectors are pooled (mean over
the text's tokens, or the CLS token for BGE) and L2-normalised. It is the ``Encoder`` that
``documents/retrieval.py`` declares: ``name`` and ``encode(texts, role)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..catalog import ModelSpec
from ..embedding_models import BACKEND, KIND, ROLES, EmbeddingResult, pooling_of, text_prompts
from ..errors import Cancelled, ModelFolderInvalid, OutOfMemory, first_line
from ..messages import Message
from ..plan import LoadPlan
from .memory import TORCH_DTYPES, free_memory, is_oom, load_failure
from .model_files import check_remote_code, check_text_folder, local_folder

if TYPE_CHECKING:
    import numpy as np

    from ..registry import Registry

log = logging.getLogger(__name__)

BATCH = 32  # texts embedded at once (halved on out-of-memory, down to one)
MAX_TOKENS = 8192  # the longest window used, whatever the model's config allows


class TransformersEncoder:
    """An encoder model loaded according to a ``LoadPlan``: ``encode`` / ``embed`` texts into vectors."""

    kind = KIND

    def __init__(self, spec: ModelSpec, plan: LoadPlan) -> None:
        self.spec = spec
        self.plan = plan
        self.name = spec.name  # stored vectors are keyed by it
        self.model: Any = None
        self.tokenizer: Any = None
        self.dimensions = 0  # the length of its vectors, known once loaded
        self.max_tokens = 512  # the window: longer texts are cut here
        self.prompts: dict[str, str] = {}  # role -> the text put before the text of that role
        self.pooling = "mean"

    # -- loading ----------------------------------------------------------------------------------------------
    def load(self, on_status: Callable[[Message], None] = lambda s: None) -> None:
        folder = local_folder(self.spec)
        check_text_folder(folder, allow_pickle=self.plan.allow_pickle)
        check_remote_code(folder, allowed=self.plan.trust_remote_code)
        import torch  # noqa: PLC0415
        from transformers import AutoModel, AutoTokenizer  # noqa: PLC0415

        on_status(Message("status.loading_tokenizer", name=self.spec.name))
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True,
                                                           trust_remote_code=self.plan.trust_remote_code)
        except Exception as exc:
            log.exception("loading the tokenizer of %s failed", folder)
            raise ModelFolderInvalid("error.load.tokenizer", "hint.load.tokenizer", folder=folder,
                                     error=first_line(exc, 200)) from None
        on_status(Message("status.loading_weights", name=self.spec.name, plan=self.plan.describe()))
        try:
            self.model = AutoModel.from_pretrained(
                folder, local_files_only=True, trust_remote_code=self.plan.trust_remote_code,
                use_safetensors=any(folder.glob("*.safetensors")), dtype=getattr(torch, TORCH_DTYPES[self.plan.dtype]))
            if self.plan.device != "cpu":
                self.model.to(self.plan.device)
            self.model.eval()
        except Exception as exc:
            self.unload()
            raise load_failure(exc, name=self.spec.name, plan=self.plan.describe(), source=folder,
                               oom_hint_key="hint.embed.load_oom", broken_key="error.embed.load_failed",
                               broken_hint_key="hint.embed.folder") from None
        config = self.model.config
        self.dimensions = int(getattr(config, "hidden_size", 0) or 0)
        self.max_tokens = _window(self.tokenizer, config)
        self.prompts = text_prompts(self.spec, folder)
        self.pooling = pooling_of(self.spec, folder)
        log.info("%s: %d dimensions, %d-token window, %s pooling, prompts %s", self.spec.name, self.dimensions,
                 self.max_tokens, self.pooling, self.prompts or "none")
        on_status(Message("status.ready", name=self.spec.name))

    def unload(self) -> None:
        self.model = None
        self.tokenizer = None
        free_memory()

    # -- embedding --------------------------------------------------------------------------------------------
    def with_prompt(self, text: str, role: str) -> str:
        """``text`` as the model is given it: its role's prompt first, unless the text starts with one already
        (a client that follows E5's instructions sends "query: ..." itself)."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        prompt = self.prompts.get(role, "")
        given = tuple(p.strip().lower() for p in self.prompts.values() if p.strip())
        if not prompt or text.lstrip().lower().startswith(given):
            return text
        return prompt + text

    def encode(self, texts: Sequence[str], role: str) -> np.ndarray:
        """One L2-normalised float32 row per text (the ``Encoder`` protocol)."""
        return self.embed(texts, role).vectors

    def embed(self, texts: Sequence[str], role: str, cancelled: Callable[[], bool] = lambda: False) -> EmbeddingResult:
        """Vectors for ``texts`` (in their order) and the tokens embedded. Texts of similar length are batched
        together (less padding); out of memory halves the batch and tries again. ``cancelled`` is checked
        between batches (then ``errors.Cancelled`` is raised)."""
        import numpy as np  # noqa: PLC0415

        if self.model is None:
            raise RuntimeError(f"{self.spec.name} is not loaded")
        given = [self.with_prompt(t, role) for t in texts]
        order = sorted(range(len(given)), key=lambda i: -len(given[i]))
        rows: list[Any] = [None] * len(given)
        tokens, start, batch = 0, 0, BATCH
        while start < len(order):
            if cancelled():
                raise Cancelled()
            part = order[start:start + batch]
            try:
                vectors, counts = self._embed_batch([given[i] for i in part])
            except Exception as exc:
                if not is_oom(exc):
                    raise
                free_memory()
                if batch == 1:
                    raise OutOfMemory("error.embed.oom", "hint.embed.oom", name=self.spec.name) from None
                batch = max(1, batch // 2)
                log.warning("%s ran out of memory embedding %d texts at once: trying %d", self.spec.name, len(part),
                            batch)
                continue
            for i, row in zip(part, vectors):
                rows[i] = row
            tokens += counts
            start += len(part)
        dims = self.dimensions or (rows[0].shape[-1] if rows else 0)
        matrix = np.stack(rows).astype(np.float32, copy=False) if rows else np.zeros((0, dims), np.float32)
        return EmbeddingResult(matrix, tokens, self.spec.name)

    def _embed_batch(self, texts: list[str]) -> tuple[Any, int]:
        """(normalised vectors as a float32 numpy array, tokens embedded) for one batch."""
        import torch  # noqa: PLC0415

        enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt")
        enc = {k: v.to(self.model.device) for k, v in enc.items()}
        mask = enc["attention_mask"]
        with torch.inference_mode():
            hidden = self.model(**enc).last_hidden_state.float()
            if self.pooling == "cls":
                pooled = hidden[:, 0]
            else:
                weights = mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return pooled.cpu().numpy().astype("float32"), int(mask.sum().item())

    def count_tokens(self, texts: Sequence[str], role: str) -> list[int]:
        """The tokens each text takes as embedded (its prompt and special tokens included, at most the window)."""
        given = [self.with_prompt(t, role) for t in texts]
        ids = self.tokenizer(given, truncation=True, max_length=self.max_tokens)["input_ids"]
        return [len(row) for row in ids]


def _window(tokenizer: Any, config: Any) -> int:
    """The most tokens the model takes: its positions (RoBERTa-class models start them after the padding
    index), and the tokenizer's own limit when it sets one; at most MAX_TOKENS."""
    limit = int(getattr(config, "max_position_embeddings", 0) or 512)
    if "roberta" in str(getattr(config, "model_type", "")) or "camembert" in str(getattr(config, "model_type", "")):
        limit -= int(getattr(config, "pad_token_id", 1) or 1) + 1
    told = int(getattr(tokenizer, "model_max_length", 0) or 0)
    if 0 < told < 1_000_000:
        limit = min(limit, told)
    return max(8, min(limit, MAX_TOKENS))


def register(registry: Registry) -> None:
    """Embedding models: folders in ``models/embedding/<name>/``, then the catalog's in the Hugging Face cache."""
    from ..catalog import builtin_catalog  # noqa: PLC0415
    from ..embedding_models import scan_cached_embedding_models, scan_embedding_models  # noqa: PLC0415
    from ..plan_embedding import plan_embedding_load  # noqa: PLC0415

    registry.register(BACKEND, kind=KIND, factory=TransformersEncoder, planner=plan_embedding_load,
                      scanners=(lambda s: scan_embedding_models(s.models_dir),
                                lambda s: scan_cached_embedding_models(builtin_catalog())))
