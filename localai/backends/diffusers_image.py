"""The diffusers image backend: load(on_status) / unload() / generate(request, cancel, on_step, on_image).

Everything here runs on the inference worker thread. Sources: a diffusers folder (local or in
the Hugging Face cache) or a single-file SD 1.x / SDXL checkpoint, whose component configs and
CLIP tokenizer come from ``localai/configs`` (or a ``<name>.config/`` folder beside the file),
never from the Hub. Images of a batch are drawn one at a time with seeds seed, seed+1, ... so
that each one can be made again alone. One hook, ``callback_on_step_end``, carries progress and
cancel: it reports each step and sets ``pipe._interrupt`` when the job is cancelled.
"""

from __future__ import annotations

import functools
import gzip
import inspect
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..catalog import PICKLE_SUFFIXES, ModelSpec, image_family_from_folder
from ..errors import InvalidInput, ModelFolderInvalid, OutOfMemory, UnsafeModel
from ..gallery import GenerationInfo
from ..image_edit import MODE_NAMES
from ..image_request import DEFAULT_SCHEDULER, MAX_SEED, ImageRequest, family_of, scheduler_name_of, scheduler_table
from ..jobs import CancelToken
from ..messages import Message
from ..plan import LoadPlan, vae_tiling_needed
from .base import GeneratedImage, ImageResult, StepProgress
from .diffusers_edit import PIPELINE_KIND, EditPipelines, LoraSet, blend_tiles, call_arguments, steps_for
from .memory import TORCH_DTYPES, free_memory, is_oom, load_failure
from .model_files import local_folder, read_folder_json

if TYPE_CHECKING:
    from ..registry import Registry

log = logging.getLogger(__name__)

CONFIGS_DIR = Path(__file__).resolve().parent.parent / "configs"
SINGLE_FILE_CONFIGS = {"sd15": "sd15", "sdxl": "sdxl", "sdxl-turbo": "sdxl"}
CLIP_BPE = CONFIGS_DIR / "bpe_simple_vocab_16e6.txt.gz"


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2 / CLIP byte -> printable character table."""
    bs = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs), strict=True))


@functools.lru_cache(maxsize=1)
def _clip_vocab() -> tuple[dict[str, int], list[tuple[str, str]]]:
    """CLIP's vocab and merges, built from the shipped BPE file as vocab.json/merges.txt are."""
    with gzip.open(CLIP_BPE) as f:
        lines = f.read().decode("utf-8").split("\n")
    merges = [tuple(m.split()) for m in lines[1:49152 - 256 - 2 + 1]]
    chars = list(_bytes_to_unicode().values())
    vocab = [*chars, *(c + "</w>" for c in chars), *("".join(m) for m in merges), "<|startoftext|>", "<|endoftext|>"]
    return {v: i for i, v in enumerate(vocab)}, merges  # type: ignore[return-value]


def clip_tokenizer(pad_token: str = "<|endoftext|>") -> Any:
    """The CLIP tokenizer of SD 1.x / SDXL (SDXL's second one pads with "!"), offline."""
    from transformers import CLIPTokenizer

    vocab, merges = _clip_vocab()
    return CLIPTokenizer(vocab=dict(vocab), merges=list(merges), pad_token=pad_token, model_max_length=77)


class DiffusersImageBackend:
    """A diffusers pipeline loaded according to a ``LoadPlan`` (an ``ImageBackend``): it draws from text, and
    edits (image-to-image, inpaint) with pipelines made from the same components; it wears LoRAs."""

    operations = frozenset({"text-to-image", "image-to-image", "inpaint"})

    def __init__(self, spec: ModelSpec, plan: LoadPlan) -> None:
        self.spec = spec
        self.plan = plan
        self.pipe: Any = None
        self.family = spec.family
        self._base_scheduler: Any = None
        self._accepts: set[str] = set()
        self._edits: EditPipelines | None = None
        self._loras: LoraSet | None = None

    # -- loading --------------------------------------------------------------------------------------
    def load(self, on_status: Callable[[Message], None] = lambda s: None) -> None:
        source = self._source()
        import torch

        dtype = getattr(torch, TORCH_DTYPES[self.plan.dtype])
        try:
            on_status(Message("status.loading_image_model", name=self.spec.name, plan=self.plan.describe()))
            if source.is_file():
                self.pipe = self._load_single_file(source, dtype)
            else:
                self.pipe = self._load_folder(source, dtype)
            on_status(Message("status.placing", name=self.spec.name, device=self.plan.device))
            self._place(self.pipe)
        except Exception as exc:
            self.unload()
            raise load_failure(
                exc, name=self.spec.name, plan=self.plan.describe(), source=source,
                oom_hint_key="hint.memory.load_oom_image", broken_key="error.load.image_failed",
                broken_hint_key="hint.load.image_folder") from None
        self._base_scheduler = self.pipe.scheduler
        self._accepts = set(inspect.signature(self.pipe.__call__).parameters)
        self._edits = EditPipelines(self.pipe)
        self._loras = LoraSet(self.pipe, self.spec.name)
        self.operations = self._edits.operations
        on_status(Message("status.ready", name=self.spec.name))

    def _source(self) -> Path:
        if self.spec.path is not None and self.spec.path.is_file():
            return self.spec.path
        return local_folder(self.spec)

    def _load_folder(self, folder: Path, dtype: Any) -> Any:
        from diffusers import DiffusionPipeline

        index = read_folder_json(folder / "model_index.json",
                                 ModelFolderInvalid("error.folder.no_model_index", "hint.folder.image_needs",
                                                    folder=folder),
                                 "hint.folder.download_again")
        self.family = self.family or image_family_from_folder(folder, self.spec.name)
        components = [k for k, v in index.items() if not k.startswith("_") and isinstance(v, list) and v[0]]
        plain_everywhere, fp16_everywhere = True, True
        for comp in components:
            sub = folder / comp
            if not sub.is_dir():
                continue
            files = [p for p in sub.glob("*.safetensors") if p.is_file()]
            if not files:
                if any(p.suffix in PICKLE_SUFFIXES for p in sub.iterdir()):
                    raise UnsafeModel("error.unsafe.component_pickle", "hint.unsafe.use_safetensors",
                                      component=comp, name=self.spec.name)
                continue  # tokenizer, scheduler: no weights
            plain_everywhere &= any(p.name.count(".") == 1 or "-of-" in p.name.split(".")[0] for p in files)
            fp16_everywhere &= any(".fp16." in p.name or ".fp16-" in p.name for p in files)
        kwargs: dict[str, Any] = {"dtype": dtype, "local_files_only": True, "use_safetensors": True}
        if fp16_everywhere and (self.plan.dtype in ("fp16", "bf16") or not plain_everywhere):
            kwargs["variant"] = "fp16"  # half the bytes to read; also the only files some repos have
        if "safety_checker" in index:  # a private app on the user's own computer: no NSFW filter model
            kwargs.update(safety_checker=None, requires_safety_checker=False)
        quant = self._quantization_config(dtype)
        if quant is not None:
            kwargs["quantization_config"] = quant
        return DiffusionPipeline.from_pretrained(folder, **kwargs)

    def _quantization_config(self, dtype: Any) -> Any:
        if self.plan.quantization == "none":
            return None
        from diffusers.quantizers import PipelineQuantizationConfig

        if self.plan.quantization == "nf4":
            return PipelineQuantizationConfig(
                quant_backend="bitsandbytes_4bit",
                quant_kwargs={"load_in_4bit": True, "bnb_4bit_quant_type": "nf4", "bnb_4bit_compute_dtype": dtype},
                components_to_quantize=["transformer"])
        return PipelineQuantizationConfig(quant_backend="bitsandbytes_8bit", quant_kwargs={"load_in_8bit": True},
                                          components_to_quantize=["transformer"])

    def _load_single_file(self, file: Path, dtype: Any) -> Any:
        import diffusers

        if file.suffix != ".safetensors":
            raise UnsafeModel("error.unsafe.pickle_checkpoint", "hint.unsafe.use_safetensors_file", file=file.name)
        sidecar = file.with_name(file.stem + ".config")
        shipped = SINGLE_FILE_CONFIGS.get(self.family)
        if sidecar.is_dir():
            config_dir = sidecar
        elif shipped:
            config_dir = CONFIGS_DIR / shipped
        else:
            what = family_of(self.family).label if self.family in ("sd2", "sd-turbo", "sd3", "flux") else \
                Message("image.unknown_checkpoint") if not self.family else self.family
            raise ModelFolderInvalid("error.folder.single_file_family", "hint.folder.use_diffusers_folder",
                                     file=file.name, what=what, path=f"image/{file.stem}/")
        index = json.loads((config_dir / "model_index.json").read_text(encoding="utf-8"))
        cls = getattr(diffusers, index["_class_name"])
        kwargs: dict[str, Any] = {"config": str(config_dir), "local_files_only": True, "dtype": dtype}
        for name, pad in (("tokenizer", "<|endoftext|>"), ("tokenizer_2", "!")):
            folder = config_dir / name
            if name in index and not any((folder / f).is_file() for f in ("vocab.json", "tokenizer.json")):
                kwargs[name] = clip_tokenizer(json.loads((folder / "tokenizer_config.json").read_text())
                                              .get("pad_token", pad) if folder.is_dir() else pad)
        pipe = cls.from_single_file(str(file), **kwargs)
        if self.family.endswith("turbo"):  # Turbo models sample with Euler a from the last timestep
            from diffusers import EulerAncestralDiscreteScheduler

            pipe.scheduler = EulerAncestralDiscreteScheduler.from_config(pipe.scheduler.config,
                                                                         timestep_spacing="trailing")
        return pipe

    def _place(self, pipe: Any) -> None:
        plan = self.plan
        if plan.offload == "model":
            pipe.enable_model_cpu_offload(device=plan.device)
        elif plan.offload == "sequential":
            pipe.enable_sequential_cpu_offload(device=plan.device)
        elif plan.device != "cpu":
            pipe.to(plan.device)
        if plan.vae_tiling:
            pipe.vae.enable_tiling()
        if plan.device == "mps":
            pipe.enable_attention_slicing()
        pipe.set_progress_bar_config(disable=True)

    def unload(self) -> None:
        if self.pipe is not None and self.plan.offload != "none":
            try:
                self.pipe.remove_all_hooks()
            except Exception:
                log.debug("removing offload hooks failed", exc_info=True)
        self.pipe = None
        self._base_scheduler = None
        self._edits = self._loras = None
        free_memory()

    # -- schedulers -----------------------------------------------------------------------------------
    def scheduler_names(self) -> list[str]:
        """"Default" plus the known names whose class this pipeline's scheduler accepts."""
        if self._base_scheduler is None:
            return [DEFAULT_SCHEDULER]
        ok = {c.__name__ for c in self._base_scheduler.compatibles} | {type(self._base_scheduler).__name__}
        table = scheduler_table(family_of(self.family).flow)
        return [DEFAULT_SCHEDULER, *(n for n, (cls, _) in table.items() if cls in ok)]

    def _use_scheduler(self, name: str) -> None:
        if name == DEFAULT_SCHEDULER:
            self.pipe.scheduler = self._base_scheduler
            return
        if name not in self.scheduler_names():
            raise InvalidInput("error.image.scheduler_model", "hint.choose_one", name=name, model=self.spec.name,
                               choices=", ".join(self.scheduler_names())).about("scheduler")
        import diffusers

        cls_name, options = scheduler_table(family_of(self.family).flow)[name]
        base = self._base_scheduler.config
        self.pipe.scheduler = getattr(diffusers, cls_name).from_config(base, **options)

    # -- drawing ------------------------------------------------------------------------------------------
    def generate(self, request: ImageRequest, cancel: CancelToken, on_step: Callable[[StepProgress], None],
                 on_image: Callable[[GeneratedImage], GeneratedImage | None] | None = None) -> ImageResult:
        """Draw ``request`` (defaults already filled: see ``ImageRequest.with_defaults``)."""
        import torch

        req = request
        if None in (req.steps, req.guidance_scale, req.width, req.height) or req.seed < 0:
            raise InvalidInput("error.image.unset_fields", "hint.image.with_defaults")
        kind = PIPELINE_KIND[req.mode]
        if kind not in self.operations:
            raise InvalidInput("error.edit.model_cannot", "hint.edit.model_cannot", model=self.spec.name,
                               mode=Message(MODE_NAMES[req.mode])).about("mode")
        # 1. scheduler, LoRAs and VAE tiling for this request (nothing changes if the scheduler is refused)
        self._use_scheduler(req.scheduler)
        lora_notices = self._use_loras(req)
        pipe = self._edits.for_kind(kind)
        accepts = set(inspect.signature(pipe.__call__).parameters)
        steps = steps_for(req)
        sampler = scheduler_name_of(type(self.pipe.scheduler).__name__, dict(self.pipe.scheduler.config))
        vae = getattr(self.pipe, "vae", None)
        if vae is not None and hasattr(vae, "enable_tiling"):
            tiling = self.plan.vae_tiling or vae_tiling_needed(self.family, req.width, req.height, self.spec.name)
            vae.enable_tiling() if tiling else vae.disable_tiling()
        notice = None
        tiles = len(req.tiles.boxes(req.width, req.height)) if req.tiles else 1
        negative = "negative_prompt" in accepts and family_of(self.family, self.spec.name).negative_prompt
        if req.negative_prompt and not negative:
            notice = Message("notice.no_negative_prompt", name=self.spec.name)
        if lora_notices:
            notice = lora_notices[0]
        if req.tiles:
            notice = Message("notice.upscale_tiles", tiles=tiles, size=req.tiles.size, width=req.width,
                             height=req.height)
        # 2. one image at a time, seed + i, with progress and cancel at every step (a step is one call of
        #    the denoiser: PLMS makes steps + 1 of them, the count is read from the pipeline's timesteps)
        total, done, started = steps * req.num_images * tiles, 0, time.perf_counter()
        images: list[GeneratedImage] = []
        for i in range(req.num_images):
            if cancel.cancelled:
                break
            seed = (req.seed + i) % (MAX_SEED + 1)
            stopped_at: list[int] = []

            def on_step_end(pipe: Any, step: int, timestep: Any, tensors: dict, i: int = i,
                            stopped_at: list[int] = stopped_at) -> dict:
                nonlocal done, total
                per_image = int(getattr(pipe, "num_timesteps", 0) or steps)
                total = per_image * req.num_images * tiles
                done += 1
                elapsed = time.perf_counter() - started
                on_step(StepProgress(done, total, elapsed / done * (total - done), i, step + 1))
                if cancel.cancelled and step + 1 < per_image:
                    pipe._interrupt = True  # the loop skips the remaining steps; the VAE decodes what there is
                    stopped_at.append(step + 1)
                return tensors

            kwargs: dict[str, Any] = {
                "prompt": req.prompt, "num_inference_steps": steps, "guidance_scale": req.guidance_scale,
                "width": req.width, "height": req.height, "callback_on_step_end": on_step_end, "output_type": "pil",
                **call_arguments(req, accepts)}
            kwargs = {k: v for k, v in kwargs.items() if v is not None}
            if req.negative_prompt and negative:
                kwargs["negative_prompt"] = req.negative_prompt
            drawn = self._draw(pipe, req, kwargs, seed, cancel)
            info = edit_info(GenerationInfo(prompt=req.prompt, negative_prompt=req.negative_prompt, steps=steps,
                                            sampler=sampler, cfg_scale=float(req.guidance_scale), seed=seed,
                                            width=req.width, height=req.height, model=self.spec.name), req, tiles)
            finished = not stopped_at and not (req.tiles and cancel.cancelled)
            steps_done = int(getattr(pipe, "num_timesteps", 0) or steps) if not stopped_at else stopped_at[0]
            image = GeneratedImage(drawn, info, i, finished, steps_done)
            if on_image is not None:
                image = on_image(image) or image  # the caller may hand back the saved copy
            images.append(image)
            if not finished:
                break
        cancelled = cancel.cancelled and (len(images) < req.num_images or not images[-1].finished)
        return ImageResult(tuple(images), req, sampler, time.perf_counter() - started, cancelled, self.plan,
                           self.spec.name, notice)

    def _draw(self, pipe: Any, req: ImageRequest, kwargs: dict[str, Any], seed: int, cancel: CancelToken) -> Any:
        """One image: the pipeline called once, or once per tile for a tiled upscale; an inpainted image keeps
        the source's own pixels outside the mask."""
        import torch

        def call(**changed: Any) -> Any:
            try:
                with torch.inference_mode():
                    return pipe(**{**kwargs, **changed,
                                   "generator": torch.Generator("cpu").manual_seed(seed)}).images[0]
            except Exception as exc:
                if is_oom(exc):
                    free_memory()
                    raise OutOfMemory("error.memory.image_oom", "hint.memory.image_oom", width=req.width,
                                      height=req.height, name=self.spec.name) from None
                raise

        if req.tiles:
            def draw_tile(tile: Any, index: int) -> Any:
                return None if cancel.cancelled else call(image=tile)

            return blend_tiles(req.image, req.tiles, draw_tile)
        drawn = call()
        if req.mask is not None:
            from ..image_edit import paste_back

            drawn = paste_back(drawn, req.image, req.mask)
        return drawn

    def _use_loras(self, req: ImageRequest) -> list[Message]:
        """The request's LoRAs (found and checked against the family by services) on the model; others off."""
        if req.loras and len(req.picked_loras) != len(req.loras):
            raise InvalidInput("error.lora.unresolved", "hint.lora.known", name=", ".join(n for n, _ in req.loras),
                               known="—").about("loras")
        return self._loras.use(list(req.picked_loras))


def edit_info(info: GenerationInfo, req: ImageRequest, tiles: int) -> GenerationInfo:
    """The saved parameters of an edit and of LoRAs, as AUTOMATIC1111 writes them where it has a name for them
    (the LoRAs as <lora:name:weight> after the prompt, "Denoising strength"), ours beside them."""
    from dataclasses import replace

    from ..lora_files import lora_tags

    extra = dict(info.extra)
    prompt = f"{info.prompt} {lora_tags(req.loras)}" if req.loras else info.prompt
    if req.is_edit:
        extra.update({"Mode": req.mode, "Denoising strength": f"{req.strength:g}", "Source hash": req.source_hash})
        if req.mode == "inpaint":
            extra["Mask"] = "yes"
        if req.mode == "outpaint":
            extra["Outpaint"] = req.outpaint
        if req.mode == "upscale":
            extra["Upscale"] = "2x"
            if req.tiles:
                extra["Tiles"] = f"{tiles} x {req.tiles.size} px"
    return replace(info, prompt=prompt, extra=extra)


def register(registry: Registry) -> None:
    """Image models: diffusers folders and SD 1.x / SDXL single files in ``models/image/``, then diffusers
    folders in the Hugging Face cache."""
    from ..catalog import scan_image_models, with_image_components  # noqa: PLC0415
    from ..hub_cache import scan_hub_cache  # noqa: PLC0415
    from ..plan import plan_image_load  # noqa: PLC0415

    registry.register("diffusers", kind="image", factory=DiffusersImageBackend, planner=plan_image_load,
                      scanners=(lambda s: scan_image_models(s.models_dir),
                                lambda s: [with_image_components(c) for c in scan_hub_cache(kinds=("image",))]))
