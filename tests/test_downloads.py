"""Downloads from a Hub on 127.0.0.1 (tests/hub_server.py): only the files needed, progress events,
resume after an interruption, disk check first, offline refusal, gated and no-network messages,
pickle refusal; and the whole path through services -> a model listed as on disk."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from localai.catalog import ModelSpec
from localai.downloads import (
    PARTIAL_DIR,
    Downloader,
    DownloadProgress,
    DownloadStopped,
    GatedModel,
    NetworkPolicy,
    NoNetwork,
    NotEnoughDisk,
    OfflineMode,
    select_files,
)
from localai.errors import InvalidInput, UnsafeModel
from localai.messages import render
from tests.hub_server import FakeHub, FakeRepo, repo_from_folder

NEEDED = {"config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
          "chat_template.jinja"}
DUPLICATES = {"pytorch_model.bin": b"p" * 5000, "tf_model.h5": b"h" * 4000, "flax_model.msgpack": b"f" * 3000,
              "onnx/model.onnx": b"o" * 2000, "README.md": b"# card", ".gitattributes": b"*.bin lfs"}
SPEC = ModelSpec(name="Tiny Chat", kind="text", source="hub", repo_id="org/tiny-chat", license="apache-2.0")


@pytest.fixture()
def tiny(models_dir: Path) -> Path:
    return models_dir / "text" / "tiny-llama"


@pytest.fixture()
def hub(tiny: Path) -> Iterator[FakeHub]:
    with FakeHub() as fake:
        fake.add(repo_from_folder("org/tiny-chat", tiny, extra=DUPLICATES))
        fake.add(repo_from_folder("org/gated-chat", tiny, gated=True, license="llama3.1"))
        pickled = {k: v for k, v in repo_from_folder("x", tiny).files.items() if k != "model.safetensors"}
        fake.add(FakeRepo("org/pickle-chat", {**pickled, "pytorch_model.bin": b"\x80pickle" * 100}))
        yield fake


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No login from this machine, the cache in tmp, and huggingface_hub allowed online (only 127.0.0.1 is used)."""
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "hf-home" / "token"))
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", constants.DOWNLOAD_CHUNK_SIZE)  # restored afterwards


def make(tmp_path: Path, hub: FakeHub, **kwargs: object) -> Downloader:
    return Downloader(tmp_path / "models", endpoint=hub.url, chunk_size=16 * 1024, **kwargs)  # type: ignore[arg-type]


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_download_fetches_only_the_needed_files_with_progress(tmp_path: Path, hub: FakeHub, tiny: Path) -> None:
    hub.throttle = 0.01  # the speed needs 0.2 s of samples: a quick local download could finish before that
    events: list[DownloadProgress] = []
    statuses: list[str] = []
    result = make(tmp_path, hub).download(SPEC, on_progress=events.append,
                                          on_status=lambda status: statuses.append(render(status, "en")))
    assert result.path == tmp_path / "models" / "text" / "Tiny Chat"
    assert {p.name for p in result.path.iterdir() if not p.name.startswith(".")} == NEEDED
    assert (result.path / "model.safetensors").read_bytes() == (tiny / "model.safetensors").read_bytes()
    fetched = {r[1].rsplit("/", 1)[-1] for r in hub.downloads() if not r[2]}
    assert fetched == NEEDED, "no .bin / .h5 / .msgpack / .onnx / README copies were requested"
    assert result.total_bytes == result.downloaded_bytes == sum((tiny / n).stat().st_size for n in NEEDED)
    # progress: bytes only grow, end at the total, and carry speed and ETA
    done = [e.done_bytes for e in events]
    assert done == sorted(done) and done[-1] == result.total_bytes and len(events) >= 5
    assert events[-1].files_done == events[-1].files_total == len(NEEDED)
    assert any(e.speed > 0 for e in events) and any(e.eta is not None for e in events)
    line = render(events[-1].describe(), "en")
    assert " of " in line and "MB/s" in line and render(events[-1].describe(), "ru").count("МБ/с") == 1
    assert any("6 files" in s and "left out" in s for s in statuses)
    assert not (tmp_path / "models" / ".downloads" / "text" / "Tiny Chat").exists(), "staging is cleaned up"


def test_the_plan_reports_sizes_and_parameters_from_the_hub(tmp_path: Path, hub: FakeHub, tiny: Path) -> None:
    from localai.catalog import count_params

    plan = make(tmp_path, hub).plan(SPEC)
    assert {f.path for f in plan.files} == NEEDED
    assert plan.total_bytes == sum((tiny / n).stat().st_size for n in NEEDED)
    assert plan.params == count_params([tiny / "model.safetensors"]), "read from the safetensors header by Range"
    assert any(r[2] == "bytes=0-100000" for r in hub.requests), "only the header was read, not the weights"
    hub.repos["org/tiny-chat"].params = 123
    assert make(tmp_path, hub).plan(SPEC).params == 123, "the Hub's own figure when it has one"
    assert files_under(tmp_path / "models") == [], "planning writes nothing"


def test_an_interrupted_connection_resumes_within_the_same_download(tmp_path: Path, hub: FakeHub, tiny: Path) -> None:
    hub.fail_after["model.safetensors"] = 200_000
    result = make(tmp_path, hub).download(SPEC)
    assert (result.path / "model.safetensors").read_bytes() == (tiny / "model.safetensors").read_bytes()
    gets = hub.downloads("model.safetensors")
    assert len(gets) == 2 and gets[0][2] == "" and gets[1][2].startswith("bytes=")
    assert 0 < int(gets[1][2].split("=")[1].rstrip("-")) <= 200_000, "the retry asked only for the rest"


def test_a_stopped_download_resumes_next_time_from_what_was_kept(tmp_path: Path, hub: FakeHub, tiny: Path) -> None:
    hub.throttle = 0.01  # about 1.6 MB/s: slow enough to stop in the middle of the weights
    stop = {"now": False}

    def watch(p: DownloadProgress) -> None:
        stop["now"] = p.file == "model.safetensors" and p.done_bytes - _small_files(tiny) > 150_000

    downloader = make(tmp_path, hub)
    with pytest.raises(DownloadStopped, match="stopped") as err:
        downloader.download(SPEC, on_progress=watch, cancelled=lambda: stop["now"])
    assert "Download again" in err.value.hint
    parts = list((tmp_path / "models" / ".downloads" / "text" / "Tiny Chat" / PARTIAL_DIR).glob("*.part"))
    assert len(parts) == 1 and parts[0].stat().st_size > 150_000
    kept = parts[0].stat().st_size
    assert downloader.partial_bytes(SPEC) >= kept
    assert not (tmp_path / "models" / "text" / "Tiny Chat").exists(), "an unfinished model is not listed"

    hub.throttle = 0
    result = downloader.download(SPEC)
    assert (result.path / "model.safetensors").read_bytes() == (tiny / "model.safetensors").read_bytes()
    assert hub.downloads("model.safetensors")[-1][2] == f"bytes={kept}-", "the second try resumed"
    assert result.downloaded_bytes <= result.total_bytes - kept + 1, "kept bytes were not fetched again"
    assert len(hub.downloads("config.json")) == 1, "finished files are not fetched again"


def _small_files(tiny: Path) -> int:
    return sum((tiny / n).stat().st_size for n in NEEDED if n < "model.safetensors")


def test_low_free_disk_is_refused_before_any_byte_is_written(tmp_path: Path, hub: FakeHub) -> None:
    downloader = make(tmp_path, hub, free_disk=lambda path: 50_000_000)
    with pytest.raises(NotEnoughDisk) as err:
        downloader.download(SPEC)
    message = str(err.value)
    assert "needs 0.8 MB more" in message and "only 50.0 MB is free" in message and "--models-dir" in message
    assert files_under(tmp_path / "models") == [], "nothing was written"
    assert hub.downloads() == [], "no file was requested"


def test_offline_mode_refuses_without_any_request(tmp_path: Path, hub: FakeHub) -> None:
    with pytest.raises(OfflineMode) as err:
        make(tmp_path, hub, policy=NetworkPolicy(forced_offline=True)).download(SPEC)
    assert "--offline" in err.value.hint
    assert hub.requests == []
    with pytest.raises(InvalidInput, match="--offline"):
        NetworkPolicy(forced_offline=True).set_offline(False)


def test_the_offline_switch_blocks_huggingface_hub_itself(tmp_path: Path, hub: FakeHub) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import OfflineModeIsEnabled

    policy = NetworkPolicy()
    downloader = make(tmp_path, hub, policy=policy)
    policy.set_offline(True)
    with pytest.raises(OfflineMode, match="Offline mode is on"):
        downloader.download(SPEC)
    with pytest.raises(OfflineModeIsEnabled):  # any library call through huggingface_hub is blocked too
        HfApi(endpoint=hub.url).model_info("org/tiny-chat")
    assert hub.requests == []
    policy.set_offline(False)
    assert downloader.download(SPEC).files == len(NEEDED)


def test_a_gated_model_says_how_to_log_in(tmp_path: Path, hub: FakeHub) -> None:
    gated = ModelSpec(name="Gated", kind="text", source="hub", repo_id="org/gated-chat", gated=True)
    with pytest.raises(GatedModel) as err:
        make(tmp_path, hub).download(gated)
    assert "gated" in err.value.message and "accept" in err.value.message
    assert "hf auth login" in err.value.hint and "huggingface.co/settings/tokens" in err.value.hint
    assert "huggingface.co/org/gated-chat" in err.value.hint
    assert hub.downloads() == []
    with pytest.raises(GatedModel, match="not been given access"):  # logged in, license not accepted
        make(tmp_path, hub, token="hf_not_allowed").download(gated)
    hub.allowed_tokens.add("hf_allowed")
    assert make(tmp_path, hub, token="hf_allowed").download(gated).files == len(NEEDED)


def test_no_network_gives_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"  # nothing listens there
    with pytest.raises(NoNetwork) as err:
        Downloader(tmp_path / "models", endpoint=closed).download(SPEC)
    assert "Could not reach Hugging Face" in err.value.message
    assert "internet connection" in err.value.hint
    assert files_under(tmp_path / "models") == []


def test_pickle_only_models_are_refused_unless_opted_in(tmp_path: Path, hub: FakeHub) -> None:
    spec = ModelSpec(name="Pickled", kind="text", source="hub", repo_id="org/pickle-chat")
    with pytest.raises(UnsafeModel) as err:
        make(tmp_path, hub).download(spec)
    assert "pytorch_model.bin" in err.value.message and "Allow pickle" in err.value.hint
    assert hub.downloads() == []
    result = make(tmp_path, hub).download(spec, allow_pickle=True)
    assert (result.path / "pytorch_model.bin").is_file()


def test_a_model_already_on_disk_is_not_downloaded_again(tmp_path: Path, hub: FakeHub, tiny: Path) -> None:
    local = ModelSpec(name="tiny-llama", kind="text", source="local", path=tiny, repo_id="org/tiny-chat")
    with pytest.raises(InvalidInput, match="already on this computer"):
        make(tmp_path, hub).download(local)
    make(tmp_path, hub).download(SPEC)
    with pytest.raises(InvalidInput, match="already in"):
        make(tmp_path, hub).download(SPEC)


# -- which files are needed (pure) -------------------------------------------------------------------

def test_select_files_for_a_sharded_chat_model() -> None:
    repo = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "tokenizer.model",
            "model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
            "consolidated.safetensors", "pytorch_model-00001-of-00002.bin", "pytorch_model.bin.index.json",
            "tf_model.h5", "flax_model.msgpack", "flax_model.msgpack.index.json", "onnx/model.onnx", "LICENSE",
            "README.md", ".gitattributes", "original/consolidated.00.pth", "modeling_custom.py", "training_args.bin"]
    chosen = select_files(repo)
    assert chosen.kind == "text"
    assert set(chosen.keep) == {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                                "tokenizer.model", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                                "model-00002-of-00002.safetensors", "LICENSE"}
    assert "consolidated.safetensors" in chosen.skipped and chosen.pickle_only == ()
    assert "modeling_custom.py" in select_files(repo, allow_code=True).keep


def test_select_files_for_a_diffusers_pipeline() -> None:
    repo = ["model_index.json", "sd_turbo.safetensors", "v1-5-pruned.ckpt", "README.md",
            "unet/config.json", "unet/diffusion_pytorch_model.safetensors", "unet/diffusion_pytorch_model.fp16.safetensors",
            "unet/diffusion_pytorch_model.bin", "unet/diffusion_pytorch_model.non_ema.safetensors",
            "vae/config.json", "vae/diffusion_pytorch_model.fp16.safetensors",
            "text_encoder/config.json", "text_encoder/model.safetensors", "text_encoder/flax_model.msgpack",
            "tokenizer/vocab.json", "tokenizer/merges.txt", "tokenizer/tokenizer_config.json",
            "scheduler/scheduler_config.json", "feature_extractor/preprocessor_config.json",
            "vae_1_0/config.json", "vae_1_0/diffusion_pytorch_model.safetensors",
            "onnx/unet/model.onnx", "vae_encoder/model.onnx"]
    components = {"unet", "vae", "text_encoder", "tokenizer", "scheduler", "feature_extractor"}
    chosen = select_files(repo, components=components)
    assert chosen.kind == "image"
    assert set(chosen.keep) == {
        "model_index.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors", "vae/config.json",
        "vae/diffusion_pytorch_model.fp16.safetensors", "text_encoder/config.json", "text_encoder/model.safetensors",
        "tokenizer/vocab.json", "tokenizer/merges.txt", "tokenizer/tokenizer_config.json",
        "scheduler/scheduler_config.json", "feature_extractor/preprocessor_config.json"}


def test_select_files_reports_pickle_only_weights() -> None:
    repo = ["config.json", "tokenizer.json", "pytorch_model.bin"]
    assert select_files(repo).pickle_only == ("pytorch_model.bin",)
    assert "pytorch_model.bin" in select_files(repo, allow_pickle=True).keep


# -- through services: a job with progress events, then the model is on disk ---------------------------

def test_services_download_lists_the_model_as_on_disk(tmp_path: Path, hub: FakeHub, monkeypatch) -> None:
    from localai.config import parse_settings
    from localai.catalog import scan_text_models
    from localai.jobs import Done, DownloadStep, Lane, Lanes, Status
    from localai.plan import plan_text_load
    from localai.registry import Registry
    from localai.services import Services

    settings = parse_settings(["--models-dir", str(tmp_path / "models"), "--data-dir", str(tmp_path / "data")],
                              env={})
    another = ModelSpec(name="Another", kind="text", source="hub", repo_id="org/tiny-chat")
    registry = Registry(settings, lambda: None, catalog=(SPEC, another))  # type: ignore[arg-type]
    registry.register("transformers", kind="text", factory=object, planner=plan_text_load,  # type: ignore[arg-type]
                      scanners=(lambda s: scan_text_models(s.models_dir),))
    lanes = Lanes(torch=Lane("torch"), network=Lane("network", threads=2))
    services = Services(registry, lanes, make(tmp_path, hub))
    assert registry.resolve("Tiny Chat", "text").source == "hub"
    job = services.download("Tiny Chat", "text", owner="me")
    kinds = [type(e) for e in job.events()]
    assert DownloadStep in kinds and Status in kinds and kinds[-1] is Done
    spec = registry.resolve("Tiny Chat", "text")
    assert spec.source == "local" and spec.path == tmp_path / "models" / "text" / "Tiny Chat"
    assert spec.license == "apache-2.0", "catalog details are kept"
    with pytest.raises(InvalidInput, match="already on this computer"):
        services.download("Tiny Chat", "text")
    services.set_offline(True)
    with pytest.raises(OfflineMode):
        services.download("Another", "text")
    lanes.shutdown()
