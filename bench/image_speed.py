"""Image speed: LocalAI's services.generate_images() against the raw diffusers pipeline call.

    .venv/bin/python bench/image_speed.py [--rounds 5] [--steps 4] [--size 128] [--full] [--threads N]
                                          [--mode text|img2img|inpaint|upscale]

Builds a random-weight SD 1.5-architecture pipeline offline in a temporary models folder: the
UNet has SD 1.5's structure (4 levels, cross-attention in the first 3, 2 layers per block,
8-dim heads, 768-wide text conditioning); by default its channels are scaled down 5x
(64, 128, 256, 256: ~35M parameters) because the real one (320..1280, 860M, ``--full``) takes
several seconds per step on 2 busy cores. The text encoder and VAE are small (the VAE keeps the
8x latent scale). The app loads it through its own AppState, then rounds alternate:

  (a) services.generate_images(...) iterated through job.events() exactly like the UI does
      (progress events, the PNG written with its metadata): submit -> "done";
  (b) the raw ``pipe(prompt, num_inference_steps, width, height, generator)`` call on the SAME
      loaded pipeline, run on the same inference worker thread: submit -> result.

Both use the same seed and scheduler, so they draw the identical image (checked). Prints the
median and best seconds of each and the ratio raw / services (target >= 0.97).

``--mode`` edits a picture drawn first instead: img2img (strength 0.6), inpaint (a centred square mask,
strength 1) or upscale (2x: Lanczos, then img2img at 0.35). The raw side calls the pipeline diffusers'
``AutoPipelineFor*.from_pipe`` makes from the same loaded one, with the same source (the upscale's enlarged
by Lanczos as LocalAI does). LocalAI's side also reads the source PNG, checks it, pastes the unmasked pixels
back (inpaint) and saves the PNG; the inpainted images differ only outside the mask, where ours keeps the
source's own pixels.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MODEL = "sd15-arch-bench"
PROMPT = "a lighthouse on a cliff at sunset, oil painting"


def save_pipeline(folder: Path, full: bool) -> int:
    """Write the benchmark pipeline as a diffusers folder; returns the UNet's parameter count."""
    import torch
    from diffusers import AutoencoderKL, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    from localai.backends.diffusers_image import CONFIGS_DIR
    from tests.tiny_pipelines import _byte_vocab, _scheduler, tiny_tokenizer

    torch.manual_seed(0)
    config = dict(UNet2DConditionModel.load_config(CONFIGS_DIR / "sd15" / "unet"))
    if not full:
        config["block_out_channels"] = [64, 128, 256, 256]
    unet = UNet2DConditionModel.from_config(config)
    text = CLIPTextModel(CLIPTextConfig(hidden_size=768, intermediate_size=768, num_hidden_layers=1,
                                        num_attention_heads=12, vocab_size=len(_byte_vocab()), bos_token_id=0,
                                        eos_token_id=2, pad_token_id=1))
    vae = AutoencoderKL(block_out_channels=(32, 32, 64, 64), layers_per_block=1, latent_channels=4,
                        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                        norm_num_groups=32)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text, tokenizer=tiny_tokenizer(), unet=unet,
                                   scheduler=_scheduler("Euler"), safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.save_pretrained(folder, safe_serialization=True)
    return sum(p.numel() for p in unet.parameters())


# --mode -> (LocalAI's mode, its request fields)
EDITS = {"text": None, "img2img": ("image-to-image", {"mode": "image-to-image", "strength": 0.6}),
         "inpaint": ("inpaint", {"mode": "inpaint", "strength": 1.0}), "upscale": ("upscale", {"mode": "upscale"})}


def centre_mask(size: int):
    from PIL import Image

    mask = Image.new("L", (size, size), 0)
    mask.paste(255, (size // 4, size // 4, 3 * size // 4, 3 * size // 4))
    return mask


def raw_pipeline(pipe, mode: str, source, size: int):
    """The raw diffusers pipeline of this mode, made from the loaded one, and its extra arguments."""
    from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting
    from PIL import Image

    if mode == "text":
        return pipe, {}
    if mode == "inpaint":
        made = AutoPipelineForInpainting.from_pipe(pipe)
        made.set_progress_bar_config(disable=True)
        return made, {"image": source, "mask_image": centre_mask(size), "strength": 1.0}
    made = AutoPipelineForImage2Image.from_pipe(pipe)
    made.set_progress_bar_config(disable=True)
    if mode == "upscale":  # the enlarging is part of the work: done in each call, as LocalAI does
        def enlarged_then_redrawn(*a, width, height, **k):
            return made(*a, image=source.resize((size * 2, size * 2), Image.Resampling.LANCZOS), **k)

        return enlarged_then_redrawn, {"strength": 0.35}
    return lambda *a, width, height, **k: made(*a, **k), {"image": source, "strength": 0.6}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--size", type=int, default=128, help="width and height in pixels (multiple of 8)")
    ap.add_argument("--full", action="store_true", help="the real SD 1.5 UNet width (860M parameters)")
    ap.add_argument("--mode", choices=("text", "img2img", "inpaint", "upscale"), default="text")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice; on a busy "
                    "machine 1 avoids OpenMP threads waiting for each other)")
    args = ap.parse_args(argv)

    import numpy as np
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    from localai.config import parse_settings
    from localai.image_request import ImageRequest
    from localai.jobs import Done
    from localai.state import build_state

    with tempfile.TemporaryDirectory(prefix="localai-image-bench-") as tmp:
        models_dir = Path(tmp) / "models"
        started = time.perf_counter()
        n_unet = save_pipeline(models_dir / "image" / MODEL, args.full)
        print(f"UNet: SD 1.5 architecture, {'full width' if args.full else 'channels / 5'}, "
              f"{n_unet / 1e6:.0f}M parameters (built in {time.perf_counter() - started:.0f} s); "
              f"{args.size}x{args.size}, {args.steps} steps, {torch.get_num_threads()} threads")
        settings = parse_settings(["--models-dir", str(models_dir), "--data-dir", str(Path(tmp) / "data"),
                                   "--outputs-dir", str(Path(tmp) / "outputs"), "--offline", "--no-browser"], env={})
        os.environ["HF_HUB_CACHE"] = str(Path(tmp) / "empty-hf-cache")
        state = build_state(settings)
        worker, services = state.lanes.torch, state.services
        request = ImageRequest(PROMPT, seed=1, steps=args.steps, width=args.size, height=args.size, scheduler="Euler")
        edit = EDITS[args.mode]
        if edit:
            source = services.generate_images(MODEL, request).wait().images[0]
            request = ImageRequest(PROMPT, seed=1, steps=args.steps, scheduler="Euler", image=source.path,
                                   mask=centre_mask(args.size) if edit[0] == "inpaint" else None, **dict(edit[1]))

        def via_services():
            t0 = time.perf_counter()
            job = services.generate_images(MODEL, request)
            result = None
            for event in job.events():
                if isinstance(event, Done):
                    result = event.result
            return time.perf_counter() - t0, result.images[0].image

        via_services()  # load + warm up
        backend = state.registry.get_loaded(state.registry.resolve(MODEL, "image"))
        pipe = backend.pipe
        print(f"plan: {backend.plan.describe()} — {backend.plan.reason}")

        call, extra = raw_pipeline(pipe, args.mode, source.image if edit else None, args.size)

        def raw_call():
            with torch.inference_mode():
                return call(PROMPT, num_inference_steps=args.steps, width=args.size, height=args.size,
                            guidance_scale=request.with_defaults("sd15").guidance_scale,
                            generator=torch.Generator("cpu").manual_seed(1), **extra).images[0]

        def via_raw():
            t0 = time.perf_counter()
            image = worker.call(raw_call)
            return time.perf_counter() - t0, image

        worker.call(raw_call)  # warm up
        ours, raw = [], []
        for i in range(args.rounds):
            for name, fn, bucket in (("services", via_services, ours), ("raw", via_raw, raw))[:: 1 if i % 2 else -1]:
                seconds, image = fn()
                bucket.append((seconds, np.asarray(image)))
                print(f"  round {i + 1} {name:8} {seconds:6.2f} s")
        inside = np.asarray(centre_mask(ours[0][1].shape[0])) > 0 if args.mode == "inpaint" else Ellipsis
        same = all(np.array_equal(a[1][inside], b[1][inside]) for a, b in zip(ours, raw, strict=True))
        s_med, r_med = statistics.median(t for t, _ in ours), statistics.median(t for t, _ in raw)
        s_min, r_min = min(t for t, _ in ours), min(t for t, _ in raw)
        print(f"services median {s_med:.3f} s (best {s_min:.3f}), raw median {r_med:.3f} s (best {r_min:.3f}); "
              f"identical images{' inside the mask' if args.mode == 'inpaint' else ''}: {same}")
        print(f"ratio raw/services = {r_med / s_med:.3f} by medians, {r_min / s_min:.3f} by best runs "
              "(target >= 0.97; on a busy machine the best runs are the steadier figure)")
        worker.call(state.registry.unload_all)
        state.lanes.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
