"""How big the paged KV cache is, and which kept conversations leave it first.

The cache holds the live requests' keys and values and, in the same blocks, the finished conversations
kept for their follow-ups (transformers' block sharing: a block that is full is hashed by its tokens and
stays, unreferenced, until its memory is needed). Its size comes from the plan (``LoadPlan.cache_bytes``,
budgeted by the planner beside the weights); a plan without one gets ``DEFAULT_CACHE_BYTES``.

transformers drops ALL kept blocks at once when free memory runs short; ``make_room`` drops the least
recently used ones first, just enough, before it comes to that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MIB = 1024**2
DEFAULT_CACHE_BYTES = 256 * MIB  # a plan without a cache budget (cache_bytes 0)
PAGE_TOKENS = 64  # tokens per block: a follow-up recomputes at most this many of the old conversation
MIN_BLOCKS = 4
HEADROOM = 0.2  # of the blocks kept free before each step, for the live requests (kept ones are dropped for it)


@dataclass(frozen=True)
class CacheSize:
    blocks: int
    page_tokens: int
    bytes_per_token: int

    @property
    def tokens(self) -> int:
        return self.blocks * self.page_tokens

    def fits(self, tokens: int) -> bool:
        """Whether one request of ``tokens`` (prompt and answer) fits beside the headroom."""
        return tokens <= int(self.tokens * (1 - HEADROOM))


def kv_bytes_per_token(config: Any, dtype_bytes: int) -> int:
    """Bytes of keys and values one token takes over all layers of a transformers model ``config``."""
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    heads = int(text.num_attention_heads)
    kv_heads = int(getattr(text, "num_key_value_heads", None) or heads)
    head_dim = int(getattr(text, "head_dim", None) or text.hidden_size // heads)
    return int(text.num_hidden_layers) * 2 * kv_heads * head_dim * dtype_bytes


def cache_size(cache_bytes: int, bytes_per_token: int, page_tokens: int = PAGE_TOKENS) -> CacheSize:
    """The cache for a budget of ``cache_bytes`` (0: the default)."""
    budget = cache_bytes if cache_bytes > 0 else DEFAULT_CACHE_BYTES
    blocks = max(MIN_BLOCKS, budget // max(1, bytes_per_token * page_tokens))
    return CacheSize(int(blocks), page_tokens, bytes_per_token)


def _sharing_allocator(cache: Any) -> Any | None:
    """The one allocator that keeps blocks for reuse (None when the model's cache shares none)."""
    if not getattr(cache, "use_prefix_sharing", False) or len(cache.cache_allocators) != 1:
        return None
    return next(iter(cache.cache_allocators.values()))


def free_blocks(cache: Any) -> int:
    """Blocks a request can get now without dropping anything kept."""
    allocator = _sharing_allocator(cache)
    if allocator is None:
        return 0
    return cache.pool.count_free_blocks(allocator.index) + cache.pool.num_free_sectors * allocator.blocks_per_sector


def kept_blocks(cache: Any) -> int:
    """Blocks held only for follow-ups (no live request uses them)."""
    allocator = _sharing_allocator(cache)
    return 0 if allocator is None else len(allocator.ledger.cached_blocks)


def protected_blocks(cache: Any, prompt_ids: list[int]) -> set[int]:
    """The kept blocks a prompt would reuse: dropping them would make its follow-up start cold."""
    allocator = _sharing_allocator(cache)
    return set() if allocator is None else set(allocator.match_prefix_blocks(prompt_ids))


def make_room(cache: Any, blocks_wanted: int, keep: Iterable[int] = ()) -> int:
    """Drop the least recently used kept blocks (not those in ``keep``) until ``blocks_wanted`` are free.
    Returns how many were dropped."""
    allocator = _sharing_allocator(cache)
    if allocator is None:
        return 0
    missing = blocks_wanted - free_blocks(cache)
    if missing <= 0:
        return 0
    keep = set(keep)
    ledger = allocator.ledger
    victims = [block for block in ledger.cached_blocks if block not in keep][:missing]  # oldest release first
    for block in victims:
        ledger.cached_blocks.pop(block)
        ledger.hash_to_block.pop(ledger.block_to_hash.pop(block), None)
    cache.pool.free_blocks(allocator.index, victims)
    cache.pool.try_to_free_sectors()
    return len(victims)
