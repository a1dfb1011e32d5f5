"""The torch lane's chat engine: several conversations decoding together, and their KV cache kept.

- ``batch_runner.py`` drives transformers' continuous-batching manager on the calling thread (the torch
  lane's): admits requests between decode steps, routes each step's tokens to their requests, ends them
  (stop strings, max tokens, cancel, out of memory);
- ``sampler.py`` picks each row's next token with that request's own settings and generator;
- ``cache_budget.py`` sizes the paged KV cache from the plan and drops the least recently used kept
  conversations first.

Nothing here imports torch at module level; the backend (``backends/transformers_chat.py``) builds the
engine when it loads a model and falls back to one-at-a-time generation when it cannot.
"""
