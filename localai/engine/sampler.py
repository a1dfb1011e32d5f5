"""Per-request sampling for the batching engine: each row of a batch with its own request's settings.

transformers' batching manager samples every row the same way (``do_sample`` of one generation config,
``torch.multinomial`` on the global generator). Here every row uses its request's temperature, top-k,
top-p, repetition / frequency / presence penalties and its OWN ``torch.Generator`` seeded from the
request's seed, so the same seed gives the same answer whatever runs beside it; greedy rows take the
argmax. The penalties follow what ``generate`` does for the one-at-a-time path: the repetition penalty over
the prompt and the answer (transformers' rule: a positive logit divided, a negative one multiplied), the
OpenAI frequency / presence penalties over the answer only (``backends/penalties.py``). A request with a
``response_format`` has its own grammar mask (``backends/grammar.py``): applied first, advanced by the token picked.

``install_sampler`` puts ``sample_rows`` in place of the manager's ``ModelRunner._sample`` on that one
instance; the rows come from the runner's current batch, in the order their logits are laid out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..options import ChatOptions


@dataclass
class RowSampling:
    """How one request's next tokens are picked (built once per request, used at every step)."""

    temperature: float = 0.0  # 0: greedy
    top_k: int = 0  # 0: off
    top_p: float = 1.0
    repetition_penalty: float = 1.0  # 1: off
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    prompt_length: int = 0  # tokens of the request's prompt: the frequency / presence penalties skip them
    generator: Any = None  # torch.Generator, seeded from the request's seed; None when greedy
    grammar: Any = None  # backends/grammar.py's GrammarMask (response_format): masks each step, then advances

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0

    @property
    def plain(self) -> bool:
        """Greedy without penalties: the argmax of the raw logits."""
        return self.greedy and self.repetition_penalty == 1.0 and not self.frequency_penalty \
            and not self.presence_penalty and self.grammar is None


def row_sampling(options: ChatOptions, seed: int, prompt_length: int, device: Any = "cpu",
                 grammar: Any = None) -> RowSampling:
    """The sampling of one request with ``options``, its generator seeded with ``seed`` (``grammar``: the
    answer's ``GrammarMask`` when it has a response format)."""
    import torch  # noqa: PLC0415

    sampling = RowSampling(
        temperature=options.temperature, top_k=options.top_k, top_p=options.top_p,
        repetition_penalty=options.repetition_penalty, frequency_penalty=options.frequency_penalty,
        presence_penalty=options.presence_penalty, prompt_length=prompt_length, grammar=grammar)
    if not sampling.greedy:
        sampling.generator = torch.Generator(device=device)
        sampling.generator.manual_seed(seed)
    return sampling


def _penalised(logits: Any, tokens: Sequence[int], sampling: RowSampling) -> Any:
    import torch  # noqa: PLC0415

    device = logits.device
    if sampling.repetition_penalty != 1.0 and tokens:
        seen = torch.tensor(sorted(set(tokens)), dtype=torch.long, device=device)
        picked = logits.gather(0, seen)
        picked = torch.where(picked < 0, picked * sampling.repetition_penalty, picked / sampling.repetition_penalty)
        logits = logits.scatter(0, seen, picked)
    answer = tokens[sampling.prompt_length:]
    if (sampling.frequency_penalty or sampling.presence_penalty) and answer:
        ids = torch.tensor(answer, dtype=torch.long, device=device)
        counts = torch.zeros_like(logits).scatter_add_(0, ids, torch.ones_like(ids, dtype=logits.dtype))
        seen = (counts > 0).to(logits.dtype)
        logits = logits - sampling.frequency_penalty * counts - sampling.presence_penalty * seen
    return logits


def _warped(logits: Any, sampling: RowSampling) -> Any:
    """Temperature, then top-k, then top-p (the order of transformers' warpers), as filtered logits."""
    import torch  # noqa: PLC0415

    logits = logits / sampling.temperature
    vocab = logits.shape[-1]
    if 0 < sampling.top_k < vocab:
        kth = torch.topk(logits, sampling.top_k).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if sampling.top_p < 1.0:
        ordered, order = torch.sort(logits, descending=False)
        cumulative = ordered.softmax(dim=-1).cumsum(dim=-1)
        drop = cumulative <= (1 - sampling.top_p)
        drop[-1] = False  # always keep the most likely token
        logits = logits.masked_fill(torch.zeros_like(drop).scatter(0, order, drop), float("-inf"))
    return logits


def next_token(logits: Any, tokens: Sequence[int], sampling: RowSampling) -> int:
    """One row's next token: ``logits`` (fp32, [vocab]) after the request's ``tokens`` (prompt + answer so far)."""
    import torch  # noqa: PLC0415

    if sampling.grammar is not None:  # masked first, so top-k / top-p never leave only masked tokens
        logits = sampling.grammar.apply(logits.clone())
    logits = _penalised(logits, tokens, sampling)
    if sampling.greedy:
        token = int(torch.argmax(logits))
    else:
        probs = _warped(logits, sampling).softmax(dim=-1)
        token = int(torch.multinomial(probs, 1, generator=sampling.generator))
    if sampling.grammar is not None:
        sampling.grammar.accept(token)
    return token


def install_sampler(runner: Any, sampling_of: Callable[[str], RowSampling | None]) -> None:
    """Replace ``runner._sample`` (a transformers ``ModelRunner``) with per-request sampling.

    ``sampling_of(request_id)`` gives a request's settings (None: greedy). Raises AttributeError when the
    runner does not have what this relies on (the caller then falls back to one at a time)."""
    import torch  # noqa: PLC0415

    io = runner.inputs_and_outputs
    getattr(io, "requests_in_batch")  # noqa: B009 - fail now, at set-up, not at the first step
    getattr(runner, "_sample")  # noqa: B009

    def sample_rows(scores: Any, output_ids: Any) -> None:
        rows = [future.state for future in io.requests_in_batch if future.has_new_token]
        logits = scores[0]  # [rows, vocab]
        settings = [sampling_of(state.request_id) for state in rows]
        if all(s is None or s.plain for s in settings) or len(settings) != logits.shape[0]:
            picked = torch.argmax(logits, dim=-1)
        else:
            picked = torch.tensor(
                [int(torch.argmax(logits[i])) if s is None or s.plain else
                 next_token(logits[i], state.initial_tokens + state.generated_tokens, s)
                 for i, (state, s) in enumerate(zip(rows, settings))], dtype=torch.long, device=logits.device)
        output_ids[0, :picked.shape[0]].copy_(picked)

    runner._sample = sample_rows
