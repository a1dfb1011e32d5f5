"""Tiny random-weight diffusers pipelines saved to disk, offline: SD 1.x and SDXL folders and a
single-file SD 1.x checkpoint in the original (LDM) key layout.

    save_tiny_sd(folder)            diffusers folder, StableDiffusionPipeline (~1.7M params)
    save_tiny_sdxl(folder)          diffusers folder, StableDiffusionXLPipeline
    save_tiny_sd_single_file(file)  <name>.safetensors + <name>.config/ (its diffusers configs)
    save_tiny_sdxl_single_file(file)  the same for SDXL (OpenCLIP layout for its second text encoder)
    save_tiny_flux(folder)          diffusers folder, FluxPipeline (flow matching, T5)

The tokenizer is CLIP's byte-level alphabet with no merges (every character is a token). A
4-step 64x64 image takes about 0.1 s. Used by the image tests, the browser test and the bench.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

SEED = 0


def _byte_vocab() -> dict[str, int]:
    from localai.backends.diffusers_image import _bytes_to_unicode

    chars = list(_bytes_to_unicode().values())
    vocab = [*chars, *(c + "</w>" for c in chars), "<|startoftext|>", "<|endoftext|>"]
    return {v: i for i, v in enumerate(vocab)}


def tiny_tokenizer(pad_token: str = "<|endoftext|>") -> Any:
    from transformers import CLIPTokenizer

    return CLIPTokenizer(vocab=_byte_vocab(), merges=[], pad_token=pad_token, model_max_length=77)


def _text_encoder(projection: bool = False, hidden: int = 32) -> Any:
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    cfg = CLIPTextConfig(bos_token_id=0, eos_token_id=2, pad_token_id=1, hidden_size=hidden, intermediate_size=37,
                         layer_norm_eps=1e-5, num_attention_heads=4, num_hidden_layers=2, projection_dim=32,
                         vocab_size=len(_byte_vocab()), hidden_act="gelu")
    return (CLIPTextModelWithProjection if projection else CLIPTextModel)(cfg).eval()


def _vae() -> Any:
    from diffusers import AutoencoderKL

    return AutoencoderKL(block_out_channels=(32, 64), in_channels=3, out_channels=3, latent_channels=4,
                         down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                         norm_num_groups=32, sample_size=64)


def _scheduler(name: str = "PNDM") -> Any:
    import diffusers

    common = {"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "steps_offset": 1}
    if name == "PNDM":
        return diffusers.PNDMScheduler(skip_prk_steps=True, set_alpha_to_one=False, **common)
    return diffusers.EulerDiscreteScheduler(timestep_spacing="leading", **common)


def build_tiny_sd() -> Any:
    import torch
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel

    torch.manual_seed(SEED)
    unet = UNet2DConditionModel(block_out_channels=(32, 64), layers_per_block=2, sample_size=32, in_channels=4,
                                out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32,
                                norm_num_groups=32)
    return StableDiffusionPipeline(vae=_vae(), text_encoder=_text_encoder(), tokenizer=tiny_tokenizer(), unet=unet,
                                   scheduler=_scheduler("PNDM"), safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)


def build_tiny_sdxl() -> Any:
    import torch
    from diffusers import StableDiffusionXLPipeline, UNet2DConditionModel

    torch.manual_seed(SEED)
    unet = UNet2DConditionModel(block_out_channels=(32, 64), layers_per_block=2, sample_size=32, in_channels=4,
                                out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), attention_head_dim=(2, 4),
                                use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=8,
                                transformer_layers_per_block=(1, 2), projection_class_embeddings_input_dim=80,
                                cross_attention_dim=80, norm_num_groups=1)
    # The second text encoder is wider than the first (48 vs 32), as in SDXL (1280 vs 768): single-file
    # loading tells them apart by width. Cross-attention sees both: 32 + 48 = 80; the added
    # conditioning is 6 time ids x 8 + the pooled projection (32) = 80.
    return StableDiffusionXLPipeline(vae=_vae(), text_encoder=_text_encoder(),
                                     text_encoder_2=_text_encoder(True, hidden=48),
                                     tokenizer=tiny_tokenizer(), tokenizer_2=tiny_tokenizer("!"), unet=unet,
                                     scheduler=_scheduler("Euler"))


def save_tiny_sd(folder: Path) -> Path:
    build_tiny_sd().save_pretrained(folder, safe_serialization=True)
    return folder


def with_tiny_sd(shared_models: Path, models: Path) -> Path:
    """A models folder with the shared tiny chat models (linked, not copied) plus ``image/tiny-sd``."""
    (models / "text").mkdir(parents=True)
    for folder in (shared_models / "text").iterdir():
        (models / "text" / folder.name).symlink_to(folder, target_is_directory=True)
    save_tiny_sd(models / "image" / "tiny-sd")
    return models


def save_tiny_sdxl(folder: Path) -> Path:
    build_tiny_sdxl().save_pretrained(folder, safe_serialization=True)
    return folder


# --- diffusers -> original (LDM) key layout, as SD 1.x single-file checkpoints have ------------------

_RESNET = (("norm1", "in_layers.0"), ("conv1", "in_layers.2"), ("norm2", "out_layers.0"),
           ("conv2", "out_layers.3"), ("time_emb_proj", "emb_layers.1"), ("conv_shortcut", "skip_connection"))


def unet_to_ldm(state: dict, config: Any) -> dict:
    """Rename a diffusers SD 1.x-style UNet's weights to "model.diffusion_model.*" keys."""
    n, per = len(config.block_out_channels), config.layers_per_block
    up_attn = ["CrossAttn" in t for t in config.up_block_types]
    prefixes = {"time_embedding.linear_1.": "time_embed.0.", "time_embedding.linear_2.": "time_embed.2.",
                "add_embedding.linear_1.": "label_emb.0.0.", "add_embedding.linear_2.": "label_emb.0.2.",
                "conv_in.": "input_blocks.0.0.", "conv_norm_out.": "out.0.", "conv_out.": "out.2.",
                "mid_block.resnets.0.": "middle_block.0.", "mid_block.attentions.0.": "middle_block.1.",
                "mid_block.resnets.1.": "middle_block.2."}
    for i in range(n):
        for j in range(per):
            prefixes[f"down_blocks.{i}.resnets.{j}."] = f"input_blocks.{(per + 1) * i + j + 1}.0."
            prefixes[f"down_blocks.{i}.attentions.{j}."] = f"input_blocks.{(per + 1) * i + j + 1}.1."
        if i < n - 1:
            prefixes[f"down_blocks.{i}.downsamplers.0.conv."] = f"input_blocks.{(per + 1) * (i + 1)}.0.op."
        for j in range(per + 1):
            prefixes[f"up_blocks.{i}.resnets.{j}."] = f"output_blocks.{(per + 1) * i + j}.0."
            prefixes[f"up_blocks.{i}.attentions.{j}."] = f"output_blocks.{(per + 1) * i + j}.1."
        if i < n - 1:
            prefixes[f"up_blocks.{i}.upsamplers.0."] = f"output_blocks.{(per + 1) * i + per}.{2 if up_attn[i] else 1}."
    out = {}
    for key, value in state.items():
        prefix = next(p for p in sorted(prefixes, key=len, reverse=True) if key.startswith(p))
        rest = key[len(prefix):]
        if ".resnets." in prefix:
            for old, new in _RESNET:
                if rest.startswith(old + "."):
                    rest = new + rest[len(old):]
        out["model.diffusion_model." + prefixes[prefix] + rest] = value
    return out


def vae_to_ldm(state: dict, config: Any) -> dict:
    """Rename a diffusers AutoencoderKL's weights to "first_stage_model.*" keys (attention as 1x1 convs)."""
    n = len(config.block_out_channels)
    attn = {"group_norm.": "norm.", "to_q.": "q.", "to_k.": "k.", "to_v.": "v.", "to_out.0.": "proj_out."}
    out = {}
    for key, value in state.items():
        new = key
        for i in range(n):
            new = new.replace(f"encoder.down_blocks.{i}.resnets.", f"encoder.down.{i}.block.")
            new = new.replace(f"encoder.down_blocks.{i}.downsamplers.0.", f"encoder.down.{i}.downsample.")
            new = new.replace(f"decoder.up_blocks.{i}.resnets.", f"decoder.up.{n - 1 - i}.block.")
            new = new.replace(f"decoder.up_blocks.{i}.upsamplers.0.", f"decoder.up.{n - 1 - i}.upsample.")
        for k in range(2):
            new = new.replace(f"mid_block.resnets.{k}.", f"mid.block_{k + 1}.")
        if "mid_block.attentions.0." in new:
            new = new.replace("mid_block.attentions.0.", "mid.attn_1.")
            for old, repl in attn.items():
                new = new.replace("attn_1." + old, "attn_1." + repl)
            if value.ndim == 2:
                value = value[:, :, None, None]
        new = new.replace("conv_norm_out.", "norm_out.").replace("conv_shortcut.", "nin_shortcut.")
        out["first_stage_model." + new] = value
    return out


def clip_to_ldm(state: dict, prefix: str) -> dict:
    """A transformers CLIPTextModel's weights under ``prefix`` with the "text_model." level checkpoints keep
    (transformers >= 5.6 flattened CLIPTextModel)."""
    return {prefix + "text_model." + k.removeprefix("text_model."): v for k, v in state.items()}


def open_clip_to_ldm(state: dict, prefix: str = "conditioner.embedders.1.model.") -> dict:
    """A CLIPTextModelWithProjection's weights in the OpenCLIP layout of SDXL's second text encoder."""
    import torch

    out = {prefix + "token_embedding.weight": state["text_model.embeddings.token_embedding.weight"],
           prefix + "positional_embedding": state["text_model.embeddings.position_embedding.weight"],
           prefix + "ln_final.weight": state["text_model.final_layer_norm.weight"],
           prefix + "ln_final.bias": state["text_model.final_layer_norm.bias"],
           prefix + "text_projection": state["text_projection.weight"].T.contiguous()}
    layers = {k.split(".")[3] for k in state if k.startswith("text_model.encoder.layers.")}
    for i in sorted(layers, key=int):
        src, dst = f"text_model.encoder.layers.{i}.", f"{prefix}transformer.resblocks.{i}."
        for kind in ("weight", "bias"):
            out[f"{dst}attn.in_proj_{kind}"] = torch.cat([state[f"{src}self_attn.{q}_proj.{kind}"] for q in "qkv"])
            out[f"{dst}attn.out_proj.{kind}"] = state[f"{src}self_attn.out_proj.{kind}"]
            out[f"{dst}ln_1.{kind}"] = state[f"{src}layer_norm1.{kind}"]
            out[f"{dst}ln_2.{kind}"] = state[f"{src}layer_norm2.{kind}"]
            out[f"{dst}mlp.c_fc.{kind}"] = state[f"{src}mlp.fc1.{kind}"]
            out[f"{dst}mlp.c_proj.{kind}"] = state[f"{src}mlp.fc2.{kind}"]
    return out


def _save_single_file(pipe: Any, state: dict, file: Path) -> Path:
    """Write ``state`` as ``file`` and the pipeline's configs and tokenizers as ``<name>.config/``."""
    from safetensors.torch import save_file

    file.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in state.items()}, str(file))
    config_dir = file.with_name(file.stem + ".config")
    tmp = file.with_name(file.stem + ".tmp-folder")
    pipe.save_pretrained(tmp, safe_serialization=True)
    for path in tmp.rglob("*"):
        if path.is_file() and path.suffix != ".safetensors":
            target = config_dir / path.relative_to(tmp)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
    shutil.rmtree(tmp)
    return file


def save_tiny_sd_single_file(file: Path) -> Path:
    """A tiny SD 1.x checkpoint in the original single-file layout, plus ``<name>.config/`` (the
    diffusers configs and tokenizer that describe its tiny architecture)."""
    pipe = build_tiny_sd()
    state = {**unet_to_ldm(pipe.unet.state_dict(), pipe.unet.config),
             **vae_to_ldm(pipe.vae.state_dict(), pipe.vae.config),
             **clip_to_ldm(pipe.text_encoder.state_dict(), "cond_stage_model.transformer.")}
    return _save_single_file(pipe, state, file)


def save_tiny_sdxl_single_file(file: Path) -> Path:
    """A tiny SDXL checkpoint in the original (sgm) single-file layout, plus ``<name>.config/``."""
    pipe = build_tiny_sdxl()
    state = {**unet_to_ldm(pipe.unet.state_dict(), pipe.unet.config),
             **vae_to_ldm(pipe.vae.state_dict(), pipe.vae.config),
             **clip_to_ldm(pipe.text_encoder.state_dict(), "conditioner.embedders.0.transformer."),
             **open_clip_to_ldm(pipe.text_encoder_2.state_dict())}
    return _save_single_file(pipe, state, file)


# --- FLUX-class (flow matching, a transformer, T5) ---------------------------------------------------------

def tiny_t5_tokenizer() -> Any:
    """A T5 (Unigram) tokenizer over single characters, offline."""
    from transformers import T5Tokenizer

    pieces = ["<pad>", "</s>", "<unk>", "▁"] + [chr(c) for c in range(33, 127)] + [f"▁{chr(c)}" for c in range(97, 123)]
    return T5Tokenizer(vocab=[(p, -1.0 if i > 2 else 0.0) for i, p in enumerate(pieces)], extra_ids=0)


def build_tiny_flux() -> Any:
    import torch
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(SEED)
    transformer = FluxTransformer2DModel(patch_size=1, in_channels=4, num_layers=1, num_single_layers=1,
                                         attention_head_dim=16, num_attention_heads=2, joint_attention_dim=32,
                                         pooled_projection_dim=32, axes_dims_rope=[4, 4, 8])
    t5 = T5EncoderModel(T5Config(vocab_size=160, d_model=32, d_ff=37, d_kv=8, num_layers=2, num_heads=4,
                                 decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)).eval()
    vae = AutoencoderKL(in_channels=3, out_channels=3, block_out_channels=(4, 8), layers_per_block=1,
                        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                        latent_channels=1, norm_num_groups=1, use_quant_conv=False, use_post_quant_conv=False,
                        shift_factor=0.0609, scaling_factor=1.5035)
    return FluxPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, text_encoder=_text_encoder(),
                        tokenizer=tiny_tokenizer(), text_encoder_2=t5, tokenizer_2=tiny_t5_tokenizer(),
                        transformer=transformer)


def save_tiny_flux(folder: Path) -> Path:
    build_tiny_flux().save_pretrained(folder, safe_serialization=True)
    return folder


# --- editing: an inpainting model (9 input channels) and LoRAs made here ------------------------------

def build_tiny_sd_inpaint() -> Any:
    """An SD 1.x inpainting pipeline: its UNet reads the latents, the mask and the masked image (4 + 1 + 4)."""
    import torch
    from diffusers import StableDiffusionInpaintPipeline, UNet2DConditionModel

    torch.manual_seed(SEED + 1)
    unet = UNet2DConditionModel(block_out_channels=(32, 64), layers_per_block=2, sample_size=32, in_channels=9,
                                out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32,
                                norm_num_groups=32)
    return StableDiffusionInpaintPipeline(vae=_vae(), text_encoder=_text_encoder(), tokenizer=tiny_tokenizer(),
                                          unet=unet, scheduler=_scheduler("PNDM"), safety_checker=None,
                                          feature_extractor=None, requires_safety_checker=False)


def save_tiny_sd_inpaint(folder: Path) -> Path:
    build_tiny_sd_inpaint().save_pretrained(folder, safe_serialization=True)
    return folder


ARCHITECTURE = {False: "stable-diffusion-v1/lora", True: "stable-diffusion-xl-v1-base/lora"}


def save_tiny_lora(file: Path, sdxl: bool = False, seed: int = 7, metadata: dict | None = None) -> Path:
    """A LoRA for tiny-sd (or tiny-sdxl) as trainers save them: random, strong enough to change the image,
    on the UNet's attention and the text encoder(s), in diffusers' (peft) key layout, with the model spec's
    ``modelspec.architecture`` (unless ``metadata`` is given: {} for none)."""
    import torch
    from diffusers import StableDiffusionPipeline, StableDiffusionXLPipeline
    from peft import LoraConfig, inject_adapter_in_model
    from peft.utils import get_peft_model_state_dict
    from safetensors.torch import load_file, save_file

    pipe = build_tiny_sdxl() if sdxl else build_tiny_sd()
    torch.manual_seed(seed)
    pipe.unet.add_adapter(LoraConfig(r=4, lora_alpha=4, init_lora_weights="gaussian",
                                     target_modules=["to_q", "to_k", "to_v", "to_out.0"]))
    encoders = [pipe.text_encoder, *([pipe.text_encoder_2] if sdxl else [])]
    for encoder in encoders:  # peft itself (transformers' add_adapter asks for a newer peft than PyPI has here)
        inject_adapter_in_model(LoraConfig(r=4, lora_alpha=4, init_lora_weights="gaussian",
                                           target_modules=["q_proj", "k_proj", "v_proj", "out_proj"]), encoder)
    with torch.no_grad():  # gaussian A with zero B changes nothing: make B random too
        for module in [pipe.unet, *encoders]:
            for name, param in module.named_parameters():
                if "lora_B" in name:
                    param.normal_(0, 0.5)
    layers = {"unet_lora_layers": get_peft_model_state_dict(pipe.unet),
              "text_encoder_lora_layers": get_peft_model_state_dict(pipe.text_encoder)}
    if sdxl:
        layers["text_encoder_2_lora_layers"] = get_peft_model_state_dict(pipe.text_encoder_2)
    file.parent.mkdir(parents=True, exist_ok=True)
    folder = file.with_suffix(".parts")
    (StableDiffusionXLPipeline if sdxl else StableDiffusionPipeline).save_lora_weights(
        folder, safe_serialization=True, **layers)
    state = load_file(folder / "pytorch_lora_weights.safetensors")
    shutil.rmtree(folder)
    save_file(state, file, metadata={"modelspec.architecture": ARCHITECTURE[sdxl]} if metadata is None else metadata)
    return file
