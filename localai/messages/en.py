"""English: every text LocalAI shows, by key. ``{placeholders}`` are filled in by ``render``;
literal braces are doubled."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

TEXTS: Mapping[str, str] = MappingProxyType({
    # -- app ----------------------------------------------------------------------------------------
    "app.heading": "## LocalAI — private chat and images on this computer",
    "app.theme": "◐ Light / dark",
    # -- tab ----------------------------------------------------------------------------------------
    "tab.chat": "Chat",
    "tab.image": "Image",
    "tab.gallery": "Gallery",
    "tab.models": "Models",
    "tab.check": "System check",
    # -- common -------------------------------------------------------------------------------------
    "common.unload": "Unload",
    "common.seed": "Seed (-1 = random)",
    "common.seed_info": "The same seed with the same settings gives the same result.",
    "common.unloaded": "{name} was unloaded; its memory is free.",
    "common.not_loaded": "{name} is not loaded.",
    "common.waiting_model": "Waiting for the model...",
    "common.queued": "Waiting in line: position {position}.",
    "common.loaded": "Loaded",
    "common.will_load": "Will load as",
    "common.warning": "Warning",
    "common.info": "LocalAI",
    "common.yes": "yes",
    "common.no": "no",
    "error.unexpected": "Something went wrong ({name}). The console log has the details.",
    "hint.choose_one": "Choose one of: {choices}.",
    # -- chat ---------------------------------------------------------------------------------------
    "chat.model": "Chat model",
    "chat.conversation": "Conversation",
    "chat.placeholder": "Pick a model and say hello.",
    "chat.input": "Type a message and press Enter",
    "chat.send": "Send",
    "chat.stop": "Stop",
    "chat.new": "New chat",
    "chat.settings": "Settings",
    "chat.settings_close": "Close settings",
    "chat.plan_why": "How it is loaded",
    "chat.model_ready": "ready",
    "chat.model_will_load": "loads with the first message",
    "chat.system": "System prompt",
    "chat.system_info": "How the assistant should behave in this conversation.",
    "chat.system_default": "You are a helpful assistant.",
    "chat.sampling": "Sampling",
    "chat.temperature": "Temperature (0 = always the likeliest word)",
    "chat.temperature_info": "Higher: more varied, creative answers. Lower: more predictable ones.",
    "chat.top_p": "Top-p",
    "chat.top_p_info": "Only the likeliest next words that together make up this share are considered.",
    "chat.top_k": "Top-k (0 = off)",
    "chat.top_k_info": "Only this many of the likeliest next words are considered.",
    "chat.max_new": "Max new tokens",
    "chat.max_new_info": "The longest answer, in tokens (a token is a word or a part of one).",
    "chat.repetition": "Repetition penalty",
    "chat.repetition_info": "Above 1, the model repeats the same words less often.",
    "chat.writing": "Writing...",
    "chat.stopping": "Stopping...",
    "chat.stopped_before": "Stopped before the answer started.",
    "chat.speed": "{tokens} tokens · {speed} tokens/s",
    "chat.stopped": " · stopped (the partial answer is kept)",
    "chat.length": " · reached 'Max new tokens'",
    "chat.empty": "Type a message first, then press Enter or Send.",
    "chat.nothing_to_regenerate": "There is nothing to regenerate yet.",
    "error.chat.unknown_role": "Unknown message role '{role}'.",
    "hint.chat.roles": "Use system, user, assistant or tool.",
    "error.chat.nothing_to_answer": "There is no message to answer.",
    "hint.chat.type_first": "Type a message first.",
    "error.chat.too_long": (
        "Your message is too long for this model: about {n} tokens, but only {budget} fit (context {context} "
        "minus {reserve} tokens kept for the answer)."
    ),
    "hint.chat.shorten": "Shorten the message or the system prompt, or lower 'Max new tokens'.",
    "error.chat.empty_message": "The message is empty.",
    "hint.chat.type_something": "Type something to send.",
    "notice.messages_left_out": (
        "The conversation is longer than {name} can read at once ({n} tokens): the {k} oldest messages were "
        "left out of its view (the system prompt is kept)."
    ),
    "error.chat.template_refused": "The chat template of {name} refused this conversation: {reason}",
    "hint.chat.template_refused": "Send a plain conversation of user and assistant turns, or use another model.",
    # -- preset -------------------------------------------------------------------------------------
    "preset.picker": "Preset",
    "preset.picker_info": "A system prompt and sampling settings under one name: pick one to fill them in.",
    "preset.precise": "Precise",
    "preset.precise_system": (
        "You are a careful, accurate assistant. Answer exactly what was asked, clearly and concisely. "
        "Say so when you are not sure, and never make up facts, names or numbers."
    ),
    "preset.balanced": "Balanced",
    "preset.creative": "Creative",
    "preset.creative_system": (
        "You are a creative, imaginative assistant. Offer vivid, original ideas and varied wording, "
        "and feel free to explore unexpected directions."
    ),
    "preset.reset": "Reset to the model's defaults",
    "preset.delete": "Delete preset…",
    "preset.ask_delete": "Delete your preset “{name}”? This cannot be undone.",
    "preset.confirm_delete": "Yes, delete it",
    "preset.keep": "Keep it",
    "preset.pick_own": "Pick one of your own presets first: the built-in ones cannot be deleted.",
    "preset.name": "Preset name",
    "preset.name_placeholder": "A name for these settings",
    "preset.save": "Save as preset",
    "preset.ask_replace": "You have a preset named “{name}” already. Replace it with these settings?",
    "preset.replace": "Replace it",
    "preset.keep_old": "Keep the old one",
    "preset.saved": "Saved the preset “{name}”.",
    "preset.replaced": "Replaced the preset “{name}”.",
    "preset.deleted": "Deleted the preset “{name}”.",
    "preset.reset_done": "The settings are back to the defaults of {model}.",
    "preset.reset_page": "The settings are back to the page's defaults.",
    "preset.file_damaged": (
        "The saved presets in {path} could not be read (the file is damaged). It was kept as {backup}; "
        "presets you save now start a new file."
    ),
    "preset.entries_skipped": (
        "{count} saved presets in {path} could not be read and are left out. The whole file was copied to {backup}."
    ),
    "preset.file_not_set_aside": (
        "The saved presets in {path} could not be read, and the file could not be kept aside ({error}). "
        "Saving presets is off until the file is fixed or removed."
    ),
    "error.preset.no_name": "The preset has no name.",
    "hint.preset.type_name": "Type a name in 'Preset name', then press 'Save as preset'.",
    "error.preset.name_too_long": "The preset's name is {value} characters long; at most {max} fit.",
    "hint.preset.shorter_name": "Choose a shorter name.",
    "error.preset.builtin_name": "“{name}” is the name of a built-in preset.",
    "hint.preset.other_name": "Choose another name for your own preset.",
    "error.preset.system_too_long": "The system prompt is {value} characters long; a preset holds at most {max}.",
    "hint.preset.shorter_system": "Shorten the system prompt.",
    "error.preset.too_many": "You have {max} presets saved, the most there can be.",
    "hint.preset.delete_some": "Delete one you no longer use, or save under the name of one to replace it.",
    "error.preset.exists": "You have a preset named “{name}” already.",
    "hint.preset.exists": "Replace it, or choose another name.",
    "error.preset.not_found": "There is no preset named “{name}”.",
    "hint.preset.pick": "Pick one from the list of presets.",
    "error.preset.builtin_delete": "Built-in presets cannot be deleted.",
    "hint.preset.builtin_delete": "Only your own saved presets can be deleted.",
    "error.preset.unreadable": "LocalAI cannot read the presets file {path} ({error}).",
    "hint.preset.unreadable": "Make the file readable for your user, or move it away to start with no saved presets.",
    "error.preset.file_kept": "Saving presets is off: the presets file {path} is damaged and could not be kept aside.",
    "hint.preset.file_kept": "Fix or remove that file, then restart LocalAI.",
    # -- hist ---------------------------------------------------------------------------------------
    "hist.heading": "**Conversations**",
    "hist.new": "+ New chat",
    "hist.search": "Search conversations",
    "hist.list": "Your conversations",
    "hist.actions": "Rename, delete, export",
    "hist.title": "Title",
    "hist.rename": "Rename",
    "hist.delete": "Delete…",
    "hist.confirm": "Yes, delete it",
    "hist.keep": "Keep it",
    "hist.export_md": "Export Markdown",
    "hist.export_json": "Export JSON",
    "hist.import": "Import JSON (ours or ChatGPT)",
    "hist.open_first": "Open a conversation first.",
    "hist.imported_one": "Imported 1 conversation.",
    "hist.imported": "Imported {count} conversations.",
    "hist.date": "%b %d, %H:%M",
    "error.history.newer_schema": "The history database {path} was made by a newer LocalAI (schema {version}).",
    "hint.history.update": "Update LocalAI, or move that file away to start a new history.",
    "error.history.not_found": "That conversation does not exist or is not yours.",
    "hint.history.pick": "Pick one from your list of conversations.",
    "error.history.no_title": "A conversation needs a title.",
    "hint.history.type_title": "Type a name, then press Rename.",
    "error.history.no_such_message": "That message is no longer in this conversation (number {index}).",
    "hint.history.reopen": "Open the conversation again from the list; nothing was changed.",
    "hist.edited_title": "{title} (edited)",
    "hist.branch_note": "Edited from «{title}», message {number}: that version stays in your conversations.",
    "hist.branch_note_gone": "Edited from a conversation that has since been deleted.",
    "error.import.bad_file": "This file cannot be imported: {why}.",
    "hint.import.choose_file": (
        "Choose a LocalAI conversation export (.json) or ChatGPT's conversations.json. Nothing was changed."
    ),
    "import.why.no_message_list": "a conversation has no message list",
    "import.why.bad_message": "a message has no valid role and text",
    "import.why.no_mapping": "a ChatGPT conversation has no 'mapping'",
    "import.why.bad_node": "a ChatGPT message node is malformed",
    "import.why.too_large": "it is larger than {mb} MB",
    "import.why.not_json": "it is not a JSON file",
    "import.why.too_deep": "its lists and objects nest more than {max} levels deep",
    "import.why.bad_document": "a document in it has no name or no pages of text",
    "import.why.empty": "it holds no conversations",
    "import.why.not_a_list": "it is not a list of conversations",
    "import.why.unknown_format": "it is neither a LocalAI export nor ChatGPT's conversations.json",
    # -- models -------------------------------------------------------------------------------------
    "models.detecting": "Detecting this computer's hardware...",
    "models.offline": "Offline mode (never use the network)",
    "models.refresh": "Refresh",
    "models.table": "Models (★ = recommended for this computer; click a row)",
    "models.pick": "Model",
    "models.download": "Download",
    "models.stop": "Stop download",
    "models.load": "Load",
    "models.settings": "Settings for this model",
    "models.device": "Device",
    "models.device_info": "auto uses the GPU when there is one.",
    "models.dtype": "Precision",
    "models.dtype_info": "auto picks the best for this device; lower precision uses less memory.",
    "models.quant": "Quantization",
    "models.quant_info": "8-bit and 4-bit need much less memory, at slightly lower quality.",
    "models.offload": "Offload",
    "models.offload_info": "Keeps parts of the model in RAM when GPU memory is short (slower).",
    "models.pickle": "Allow pickle weights (.bin/.ckpt/.pt): they can run code when loaded; only for authors you trust",
    "models.code": "Trust remote code: run the Python files that come with this model; only for authors you trust",
    "models.save": "Save settings",
    "models.col.model": "Model",
    "models.col.kind": "Kind",
    "models.col.where": "Where",
    "models.col.params": "Params",
    "models.col.size": "Size",
    "models.col.license": "License",
    "models.col.gated": "Gated",
    "models.col.plan": "Would load as",
    "models.kind.text": "chat",
    "models.kind.image": "image",
    "models.where.local": "on disk",
    "models.where.cache": "HF cache",
    "models.where.hub": "not downloaded",
    "models.gated_yes": "yes — needs login",
    "models.loaded_prefix": "loaded: ",
    "models.hardware": (
        "**This computer:** {tier} · **Device:** {device}  \n**Accelerator memory:** {accel} · **RAM:** "
        "{ram_free} free of {ram_total}  \n**bf16:** {bf16} · **bitsandbytes (8/4-bit):** {bnb} · **Disk free "
        "for models:** {disk} · **Offline mode:** {offline}"
    ),
    "models.cpu_device": "CPU · {name} ({threads} threads)",
    "models.free_of": "{free} free of {total}",
    "models.no_accel": "none (CPU only)",
    "models.bnb_works": "works",
    "models.bnb_broken": "unavailable — {why}",
    "models.not_installed": "not installed",
    "models.offline_on": "**on**: nothing is downloaded",
    "models.offline_off": "off",
    "models.memory_none": "**In memory now:** no model is loaded.",
    "models.memory": "**In memory now:** {models} — about {total} in all.",
    "models.pick_one": "Pick a model.",
    "models.on_disk_at": "on disk at `{path}`",
    "models.not_downloaded": "not downloaded yet",
    "models.partial": " ({size} of an interrupted download is kept; Download continues it)",
    "models.facts": "{kind} model · {params} parameters · {size} · license {license} · {gated} · {where}",
    "models.size_unknown": "size unknown",
    "models.size_gguf": "{size} · GGUF {quant}",
    "models.unknown": "unknown",
    "models.gated": "gated (needs a Hugging Face login)",
    "models.ungated": "ungated",
    "models.loaded_as": "Loaded as",
    "models.would_load_as": "Would load as",
    "models.why": "Why",
    "models.pick_first": "Pick a model first.",
    "models.saved": "Settings for {name} saved; they apply from its next load.",
    "models.offline_is_on": "Offline mode is on: LocalAI will not use the network.",
    "models.offline_is_off": "Offline mode is off: models can be downloaded.",
    "models.pick_download": "Pick a model to download.",
    "models.starting": "Starting the download of {name}...",
    "models.downloading": "Downloading {name}",
    "models.downloading_progress": "Downloading **{name}**: {progress}",
    "models.download_queued": "Waiting for another download to finish (position {position}).",
    "models.download_stopped_early": "⏸️ The download was stopped before it started.",
    "models.downloaded": (
        "✅ Downloaded **{name}** ({size}, {files} files) in {seconds} s to `{path}`. It works offline from "
        "now on."
    ),
    "models.stopping": "Stopping the download...",
    "models.no_download": "No download of yours is running.",
    "models.pick_load": "Pick a model to load.",
    "models.load_queued": "Waiting for the model worker (position {position})...",
    "models.load_stopped": "Loading was stopped.",
    "models.is_loaded": "✅ **{name}** is loaded: {plan} — {reason}",
    "models.pick_unload": "Pick a model to unload.",
    "status.loading_tokenizer": "Loading the tokenizer of {name}...",
    "status.loading_weights": "Loading the weights of {name} ({plan})...",
    "status.ready": "{name} is ready.",
    "status.one_at_a_time": "{name} answers one request at a time: {reason}.",
    "batching.bitsandbytes": "bitsandbytes quantization does not batch",
    "batching.offload": "its weights are spread over devices (device_map offload)",
    "batching.mps": "batching is not used on Apple GPUs (MPS)",
    "batching.attention": "its attention ({attention}) does not batch",
    "batching.unavailable": "batching is not available for it ({error})",
    "status.loading_image_model": "Loading {name} ({plan})...",
    "status.placing": "Placing {name} on {device}...",
    "status.unloaded_for_room": "Unloaded {names} to make room.",
    "status.loading": "Loading {name}: {plan} ({reason})",
    "status.reloading": "Reloading {name} with your new settings...",
    "tier.cpu": "CPU only",
    "tier.6gb": "GPU with up to 6 GB",
    "tier.12gb": "GPU with 8-12 GB",
    "tier.24gb": "GPU with 16-24 GB",
    "tier.48gb": "GPU with more than 24 GB",
    # -- remote (the core: servers, client, routing) -----------------------------------------------
    "error.remote.bad_name": "“{name}” cannot be a server name.",
    "hint.remote.name_rules": "Use 1-32 letters, digits, dots, dashes or underscores, for example pc2 or gpu-server.",
    "error.remote.bad_url": "“{url}” is not a server address LocalAI can use.",
    "hint.remote.url_form": "Give it as http://address:port, for example http://192.168.1.20:11434 (Ollama) or "
                            "http://gpu-box:8000/v1 (vLLM).",
    "error.remote.bad_flag": "--remote {entry} is not NAME=URL.",
    "hint.remote.flag_form": "Write --remote pc2=http://192.168.1.20:11434, and its key as --remote-key pc2=KEY.",
    "error.remote.bad_key_flag": "--remote-key needs NAME=KEY.",
    "hint.remote.key_flag_form": "Write --remote-key pc2=KEY, with the name of a --remote server.",
    "error.remote.key_without_server": "--remote-key {name} names no --remote server.",
    "error.remote.duplicate": "There is already a server named {name}.",
    "hint.remote.other_name": "Pick another name, or remove the other server first.",
    "error.remote.too_many": "At most {max} servers can be added.",
    "hint.remote.remove_one": "Remove a server you no longer use first.",
    "error.remote.unknown_server": "There is no server named {server}.",
    "hint.remote.known_servers": "The servers added: {names}.",
    "error.remote.from_flag": "{server} was given on the command line (--remote), so it cannot be removed here.",
    "hint.remote.from_flag": "Start LocalAI without --remote {server}=... to drop it.",
    "error.remote.disabled": "Remote servers are turned off (--no-remotes).",
    "hint.remote.disabled": "Start LocalAI without --no-remotes to use them.",
    "error.remote.unreachable": "The server {server} ({url}) cannot be reached: {error}.",
    "hint.remote.unreachable": "Check that it is running and that this computer can reach it (address, port, "
                               "firewall). Ollama answers only its own computer unless it is started with "
                               "OLLAMA_HOST=0.0.0.0.",
    "error.remote.wrong_key": "The server {server} ({url}) refused the key (HTTP {status}).",
    "hint.remote.wrong_key": "Give the key that server expects: in the Models tab (Connections), or with "
                             "--remote-key {server}=KEY.",
    "error.remote.model_gone": "The server {server} no longer has the model {model}.",
    "hint.remote.model_gone": "Pick another model; its list is read from the server again.",
    "error.remote.timeout": "The server {server} ({url}) did not answer within {seconds} seconds.",
    "hint.remote.timeout": "It may be busy or overloaded: try again, or pick a model on another server.",
    "error.remote.bad_reply": "The server {server} ({url}) did not answer in the OpenAI format ({detail}).",
    "hint.remote.bad_reply": "Check that the address points at an OpenAI-compatible API (it usually ends in /v1): "
                             "vLLM, Ollama, llama.cpp's llama-server or another LocalAI.",
    "error.remote.failed": "The server {server} failed (HTTP {status}): {error}.",
    "error.remote.failed_stream": "The server {server} reported an error: {error}.",
    "hint.remote.failed": "Try again; if it keeps failing, look at that server's log.",
    "error.remote.refused": "The server {server} turned the request down: {error}",
    "hint.remote.refused": "Change what it names (a shorter conversation, another setting) and try again.",
    "error.remote.dropped": "The server {server} ({url}) stopped answering part way: {error}.",
    "hint.remote.dropped": "The answer so far is kept. Press Regenerate to try again once the server is back.",
    "error.remote.no_server": "No remote server has the model {model} now.",
    "hint.remote.add_server": "Pick another model, or add the server that has it in the Models tab (Connections).",
    "error.remote.none_answering": "The model {model} is on {servers}, but none of them is answering now ({problem}).",
    "hint.remote.none_answering": "Check that the server is running; LocalAI uses it again as soon as it answers.",
    "remote.not_checked": "not checked yet",
    "status.remote_asking": "Asking {server} ({name})...",
    "plan.remote": "runs on {servers}, another computer: no memory is used here",
    "plan.describe_remote": "on {servers}",
    "access.remotes": "add or remove remote servers",
    # -- connections (the Models tab's Connections section) ------------------------------------------
    "conn.heading": "### Connections: models on other computers",
    "conn.intro": "Servers that speak the OpenAI API: vLLM, Ollama, llama.cpp's server or another LocalAI. Their "
                  "models join the chat's model list, marked with the server's name; nothing else is contacted.",
    "conn.off": "Remote servers are turned off: LocalAI was started with `--no-remotes`. To use models on other "
                "computers, start it without `--no-remotes`; then add servers here, or with `--remote NAME=URL`.",
    "conn.table": "Servers",
    "conn.col.name": "Server",
    "conn.col.url": "URL",
    "conn.col.state": "State",
    "conn.col.models": "Models",
    "conn.col.latency": "Latency",
    "conn.col.in_flight": "Requests now",
    "conn.col.key": "Key",
    "conn.state.unchecked": "not checked yet",
    "conn.state.up": "✅ reachable",
    "conn.state.down": "❌ down: {why}",
    "conn.no_models": "no models",
    "conn.image_model": "{id} (image)",
    "conn.more_models": "{models} and {count} more",
    "conn.from_flag": "{name} (--remote)",
    "conn.latency": "{ms} ms",
    "conn.key_set": "🔑 set",
    "conn.key_none": "—",
    "conn.none": "No servers yet. Add one below, or start LocalAI with `--remote NAME=URL`.",
    "conn.summary": "{count} server(s), {up} reachable.",
    "conn.pick": "Server",
    "conn.test": "Test",
    "conn.remove": "Remove",
    "conn.refresh": "Refresh",
    "conn.name": "Name",
    "conn.name_placeholder": "pc2 (letters, digits, - _ .)",
    "conn.url": "URL",
    "conn.url_placeholder": "http://192.168.1.20:11434 (with or without /v1)",
    "conn.key": "Key (optional)",
    "conn.key_placeholder": "sent to that server only, never shown",
    "conn.add": "Add server",
    "conn.added": "{name} was added: reachable, {count} model(s), {ms} ms.",
    "conn.tested": "{name} is reachable: {count} model(s), {ms} ms.",
    "conn.is_down": "{name} cannot be used now: {why}",
    "conn.removed": "{name} was removed; its models are no longer listed.",
    "conn.need_name": "Give the server a short name (e.g. pc2).",
    "conn.need_url": "Give the server's URL (e.g. http://192.168.1.20:11434).",
    "conn.pick_first": "Pick a server in the list first.",
    "conn.manage_only": "🔒 Adding and removing servers is for the admin ({admin}), or from a page opened on "
                        "this computer itself.",
    # -- remote images --------------------------------------------------------------------------------
    "status.remote_image.drawing": "{server} is drawing with {name}... (a remote server shows no steps: the images "
                                   "come all at once)",
    "image.remote_plan": "Draws on another computer: **{name}** on {servers}. No step progress: the server answers "
                         "with all the images at once.",
    "image.done_on_server": " on {servers}",
    "error.remote_image.no_route": "The server {server} ({url}) does not draw images: it has no "
                                   "/v1/images/generations.",
    "error.remote_image.no_images": "The server {server} ({url}) answered without any image.",
    "error.remote_image.no_b64": "The server {server} ({url}) answered with links instead of images.",
    "error.remote_image.not_an_image": "The server {server} ({url}) sent an image that cannot be read.",
    "hint.remote_image.is_image_server": "Draw on a server that offers POST /v1/images/generations with base64 "
                                         "images (another LocalAI does), or pick another image model.",
    "hint.remote_image.refused": "Change the setting it names (size, steps, guidance) and draw again.",
    "hint.remote_image.dropped": "Nothing was saved. Draw again once the server is back, or pick another model.",
    # -- image --------------------------------------------------------------------------------------
    "image.model": "Image model",
    "image.prompt": "Prompt",
    "image.prompt_placeholder": "a lighthouse on a cliff at sunset, oil painting",
    "image.negative": "Negative prompt (what to avoid)",
    "image.generate": "Generate",
    "image.cancel": "Cancel",
    "image.cancel_note": (
        "<small>Cancel (or Esc) stops at the next step: finished images are kept and saved; the one being drawn is "
        "shown marked 'unfinished' and is not saved.</small>"
    ),
    "image.gallery": "Images",
    "image.aspect": "Aspect ratio",
    "image.advanced": "Advanced settings",
    "image.reuse_settings": "Reuse settings",
    "image.unload_model": "Unload this model (frees its memory)",
    "image.reuse": "♻️ Reuse seed",
    "image.random": "Random",
    "image.steps": "Steps",
    "image.steps_info": "More steps: more detail, but slower.",
    "image.guidance": "Guidance scale (CFG; 0 for Turbo models)",
    "image.guidance_info": "How strictly the picture follows the prompt.",
    "image.width": "Width",
    "image.height": "Height",
    "image.count": "Number of images (seed, seed+1, ...)",
    "image.scheduler": "Scheduler (sampler)",
    "image.scheduler_info": "How the noise is removed step by step; the default suits most models.",
    "image.pnginfo": "PNG info: read the settings of an image",
    "image.png_drop": "Drop a PNG here",
    "image.png_parameters": "Parameters",
    "image.png_send": "Send to the form",
    "image.step": "Step {step} of {total}{where} · {eta}",
    "image.which": " · image {number} of {count}",
    "image.eta_s": "about {seconds} s left",
    "image.eta_min": "about {minutes} min left",
    "image.caption": "seed {seed}",
    "image.caption_unfinished": "seed {seed} · unfinished (stopped at step {step}), not saved",
    "image.cancelled_early": "Cancelled before it started.",
    "image.cancelled": (
        "Cancelled. {count} finished image(s) were saved; an image stopped part-way is shown marked "
        "'unfinished' and was not saved."
    ),
    "image.done": "Done: {count} image(s) in {seconds} s with {sampler}{where} · saved in {folder}",
    "image.done_on": " on {plan}",
    "image.seed_used": "Seed used: **{seeds}**",
    "image.stopping": "Stopping at the next step...",
    "image.selected": "Selected image: seed **{seed}**",
    "image.reuse_first": "Generate an image first; its seed can then be reused.",
    "image.png_none": "This PNG has no generation parameters.",
    "image.png_loaded_as": "Loaded as",
    "image.png_first": "Drop a PNG with generation parameters first.",
    "image.png_model_missing": "The model '{model}' is not here; the other settings were filled in.",
    "error.image.scheduler_model": "The scheduler '{name}' does not work with {model}.",
    "error.image.unset_fields": "The request has unset fields.",
    "hint.image.with_defaults": "Fill its defaults with ImageRequest.with_defaults.",
    "notice.no_negative_prompt": "{name} does not use a negative prompt; it was ignored.",
    "image.unknown_checkpoint": "not a checkpoint we can recognise",
    "error.image.empty_prompt": "The prompt is empty.",
    "hint.image.describe": "Describe the picture you want, e.g. 'a red fox in the snow'.",
    "error.image.prompt_too_long": "The prompt is too long (more than {max} characters).",
    "hint.image.shorten": "Shorten it.",
    "error.image.seed": "Seed must be -1 (random) or a whole number from 0 to {max}.",
    "hint.image.seed": "Use -1 for a new random seed, or the seed shown under an earlier image.",
    "error.image.count": "Number of images must be between 1 and {max} (got {value}).",
    "hint.image.count": "Ask for fewer images per run; each one can be made again from its seed.",
    "error.image.steps": "Steps must be between 1 and {max} (got {value}).",
    "hint.image.steps": "20-30 steps suit most models; Turbo models need only 1-4.",
    "error.image.guidance": "Guidance scale must be between 0 and {max} (got {value}).",
    "hint.image.guidance": "5-8 suits most models; Turbo models use 0.",
    "error.image.unknown_scheduler": "Unknown scheduler '{name}'.",
    "error.image.width": "Width {value} px does not work with {family} models.",
    "error.image.height": "Height {value} px does not work with {family} models.",
    "hint.image.side": "Use a multiple of {multiple} from {min} to {max} px ({size} px is this model's native size).",
    "error.image.family_steps": "{family} models take at most {max} steps (got {value}).",
    "hint.image.usual_steps": "{steps} is the usual number.",
    "error.image.scheduler_family": "The scheduler '{name}' does not work with {family} models.",
    # -- gallery ------------------------------------------------------------------------------------
    "gallery.day": "Date",
    "gallery.all_days": "All dates",
    "gallery.images": "Your images",
    "gallery.reuse": "Reuse these settings in the Image tab",
    "gallery.delete": "Delete this image…",
    "gallery.caption": "{day} · seed {seed}",
    "gallery.empty": "No saved images yet: make some in the Image tab.",
    "gallery.no_parameters": "This image has no saved parameters.",
    "gallery.model": "Model",
    "gallery.select_first": "Select an image first.",
    "gallery.deleted": "The image was deleted.",
    "error.gallery.unreadable": "This file is not a readable image ({error}).",
    "hint.gallery.drop_png": "Drop a PNG made by LocalAI or Stable Diffusion WebUI.",
    "error.gallery.outside": "That image is not in the outputs folder.",
    "hint.gallery.pick": "Pick an image from the gallery.",
    "error.gallery.not_yours": "That image is not yours.",
    "hint.gallery.pick_yours": "Pick one of your images from the gallery.",
    # -- check --------------------------------------------------------------------------------------
    "check.intro": (
        "Checks Python, PyTorch, the GPU driver, bitsandbytes, free disk space and the folders, and says how "
        "to fix each problem it finds. It takes a few seconds."
    ),
    "check.run": "Check this computer",
    "check.running": "Checking this computer...",
    "check.queued": "Waiting for the model worker to finish its job (position {position})...",
    "check.ok": "### ✅ No problems found",
    "check.found": "### Problems found: {count}",
    "check.blocker": "⛔ Blocks running",
    "check.warning": "⚠️ Warning",
    "check.fix": "How to fix",
    "check.facts": "This computer",
    "check.python": "Python",
    "check.python_value": "{version} ({bits}-bit) on {os}, {path}",
    "check.hardware": "Hardware",
    "check.cpu": "CPU only: {name}, {threads} threads",
    "check.cpu_int8": "torch int8 {speedup}x the speed of fp32 (measured)",
    "check.gpu_memory": "{device}: {name}, {free} free of {total}",
    "check.ram": "RAM",
    "check.unknown_hardware": "unknown ({why})",
    "check.no_torch": "PyTorch is missing",
    "check.gpu": "GPU",
    "check.nvidia": "NVIDIA driver {driver} (CUDA up to {cuda})",
    "check.amd": "AMD GPU found",
    "check.no_gpu": "no NVIDIA/AMD GPU found",
    "check.torch_build": "PyTorch build {build}; it can use the GPU: {usable}",
    "check.none": "none",
    "check.bnb": "bitsandbytes (8/4-bit)",
    "check.libraries": "Libraries",
    "check.missing": "MISSING",
    "check.disk": "Disk",
    "check.disk_value": "{free} free for models ({path})",
    "check.chat_model": "Chat model",
    "check.no_default": "none found (put a model in the models folder or pick one in the Models tab)",
    "check.console_title": "LocalAI system check",
    "check.console_blocker": "BLOCKER",
    "check.console_warning": "WARNING",
    "check.console_ok": "No problems found.",
    "check.remotes": "Remote servers",
    "check.remotes_none": "none (add one with --remote NAME=URL, or in the Models tab under Connections)",
    "check.remotes_off": "turned off (--no-remotes)",
    "check.remote_up": "{url}: reachable in {ms} ms, {count} model(s): {models}",
    "check.remote_down": "{url}: not reachable now (see below)",
    "check.failed": (
        "The system check itself failed: {error}. Run ./launch.sh to repair the installation, and report "
        "this if it persists."
    ),
    # -- worker -------------------------------------------------------------------------------------
    "error.worker.shutting_down": "The server is shutting down.",
    "hint.worker.try_again_moment": "Try again in a moment.",
    "error.worker.busy": "The server is busy: {count} jobs are already waiting.",
    "hint.worker.try_again_minute": "Try again in a minute.",
    "error.worker.crashed": "Something went wrong: {error}",
    "hint.worker.report": "The console log has the details; please report it if it repeats.",
    # -- serving ------------------------------------------------------------------------------------
    "error.serving.ports_in_use": "Ports {first}-{last} are all in use.",
    "hint.serving.other_port": "Pass a different one with --port.",
    "error.serving.port_taken": "Port {port} on {host} is taken by another program (or LocalAI is already running).",
    "hint.serving.port_taken": (
        "Stop that program, or choose another port with --port; leave --port out to use the next free one."),
    # -- storage ------------------------------------------------------------------------------------
    "error.storage.full": "The disk is full: LocalAI could not save to {path}.",
    "hint.storage.full": "Free some space on that disk (or choose another folder with --data-dir / --outputs-dir), "
                         "then try again. Nothing was half saved.",
    "error.storage.unwritable": "LocalAI cannot write to {path} ({error}).",
    "hint.storage.unwritable": "Make the folder writable for your user, or choose another with --data-dir / "
                               "--outputs-dir, then try again.",
    # -- http (the server's door: localai/http_guard.py, site_policy.py) ------------------------------
    "error.http.foreign_host": "LocalAI does not answer to the name '{host}': a web page may be trying to reach it "
                               "through a name of its own (DNS rebinding).",
    "hint.http.foreign_host": "If you open LocalAI by this name yourself, start it with --allowed-hosts {name}.",
    "error.http.foreign_origin": "LocalAI refused a request from another web site ({origin}): only its own page "
                                 "may use it.",
    "hint.http.foreign_origin": "To let that site use LocalAI, start LocalAI with --cors-origin {origin}.",
    "error.http.cross_site": "LocalAI refused a request sent by another web site.",
    "hint.http.cross_site": "Open LocalAI's own page and try again there.",
    "error.http.json_required": "The API takes JSON: send the header 'Content-Type: application/json' (this "
                                "request's type: {got}).",
    "hint.http.json_required": "Most clients set it themselves when they send JSON (curl: -H 'Content-Type: "
                               "application/json').",
    "error.http.body_too_large": "The request is too large ({size}); LocalAI takes at most {limit} in one request.",
    "hint.http.body_too_large": "Send a shorter conversation or message.",
    "error.http.upload_too_large": "The file is too large ({size}); uploads are limited to {limit}.",
    "hint.http.upload_too_large": "To allow larger files, start LocalAI with a larger --max-upload-mb.",
    "error.http.form_required": "{path} takes a picture upload: send it as 'multipart/form-data' (this request's "
                                "type: {got}).",
    "hint.http.form_required": "The openai packages do so themselves; with curl: -F image=@picture.png "
                               "-F prompt=...",
    "error.http.form_needs_bearer": "Picture uploads to the API need the header 'Authorization: Bearer KEY' (any "
                                    "KEY when LocalAI has no --api-key): a web page's form cannot send it, so other "
                                    "sites cannot post pictures here.",
    "hint.http.form_needs_bearer": "The openai packages send it themselves; with curl add "
                                   "-H 'Authorization: Bearer KEY'.",
    "error.serving.bad_cors_origin": "--cors-origin '{origin}' is not a web site's origin.",
    "hint.serving.bad_cors_origin": "Give it as scheme://name[:port], for example https://app.example or "
                                    "http://192.168.1.20:3000 (no path, no '*').",
    "error.option.max_upload": "--max-upload-mb must be between {lo} and {hi}.",
    # -- access -------------------------------------------------------------------------------------
    "error.access.admin_only": "Only the admin ({admin}) can {action}.",
    "hint.access.ask_admin": "Ask {admin} to do it, or log in as {admin}.",
    "access.unload": "unload models (other users may be using them)",
    "access.download": "download models",
    "access.offline": "switch offline mode",
    "access.model_settings": "change model settings and the safety opt-ins",
    "error.access.unknown_admin": "--admin {name} is not one of the logins.",
    "hint.access.unknown_admin": "Name a user given with --auth or --auth-file.",
    "models.admin_only": "🔒 Model settings, safety opt-ins, downloads, offline mode and unloading are for the "
                         "admin ({admin}) only.",
    # -- auth ---------------------------------------------------------------------------------------
    "error.auth.hash_damaged": "A hashed password is damaged (expected pbkdf2_sha256$iterations$salt$hash).",
    "hint.auth.hash_again": "Make it again with: python -m localai.auth hash USER",
    "error.auth.bad_login": "A login must look like user:password (got '{user}:...').",
    "hint.auth.fix_login": "Fix --auth or the --auth-file line.",
    "error.auth.unreadable_file": "Cannot read the login file {path}: {error}.",
    "hint.auth.check_file": "Check the path given to --auth-file.",
    "error.auth.share_needs_login": "--share makes the app reachable from the whole internet, so it needs a login.",
    "hint.auth.add_login": "Add --auth user:password (or --auth-file).",
    # -- login ------------------------------------------------------------------------------------
    "login.note": "After a few wrong passwords, logins slow down; after {count}, they pause for {minutes} minutes.",
    "error.login.wait": (
        "Too many login attempts for this user name or from this address. "
        "Try again in {seconds} s."
    ),
    "error.login.locked": (
        "Too many wrong passwords for this user name or from this address: logins are paused until {time} "
        "(about {minutes} min). Try again then; until then even the right password is refused."
    ),
    "error.login.form_too_large": "The login form is too large.",
    # -- upload -------------------------------------------------------------------------------------
    "error.upload_only": (
        "This server takes files only as uploads from your computer, never from a web address: upload the "
        "file itself."
    ),
    # -- memory -------------------------------------------------------------------------------------
    "error.memory.load_oom": "Ran out of memory while loading {name} ({plan}).",
    "hint.memory.load_oom_text": (
        "The memory was freed. Try 4-bit quantization in the Models tab, close other programs, or pick a "
        "smaller model."
    ),
    "hint.memory.load_oom_image": (
        "The memory was freed. Choose offload 'model' or 'sequential' in the Models tab, close other "
        "programs, or pick a smaller model."
    ),
    "error.memory.chat_oom": "Ran out of memory while writing the answer.",
    "hint.memory.chat_oom": (
        "The memory was freed. Lower 'Max new tokens', start a new conversation, or use 4-bit quantization "
        "or a smaller model."
    ),
    "error.memory.image_oom": "Ran out of memory while drawing a {width}x{height} image with {name}.",
    "hint.memory.image_oom": (
        "The memory was freed and the model stays loaded. Try a smaller size or fewer images, or choose "
        "offload 'model' in the Models tab."
    ),
    "error.memory.text_too_big_gpu": (
        "{name} ({params}) does not fit: even {what} needs about {need}, and this computer has {vram} free "
        "GPU memory and {ram} free RAM."
    ),
    "error.memory.text_too_big": (
        "{name} ({params}) does not fit: even {what} needs about {need}, and this computer has {ram} free "
        "RAM."
    ),
    "hint.memory.smaller_model": (
        "Try a smaller model such as {smaller} ({smaller_params}), or close other programs to free memory."
    ),
    "hint.memory.close_programs": "Close other programs to free memory, or use a computer with more memory.",
    "error.memory.image_too_big_gpu": (
        "{name} ({params}) does not fit for {width}x{height} images: this computer has {vram} free GPU "
        "memory and {ram} free RAM."
    ),
    "error.memory.image_too_big": (
        "{name} ({params}) does not fit for {width}x{height} images: this computer has {ram} free RAM."
    ),
    "hint.memory.smaller_image_or_model": (
        "Try a smaller image size, or a smaller model such as {smaller}, and close other programs to free "
        "memory."
    ),
    "hint.memory.smaller_image": "Try a smaller image size, and close other programs to free memory.",
    # -- load ---------------------------------------------------------------------------------------
    "error.load.text_failed": "Could not load the model in '{source}': {error}",
    "hint.load.text_folder": (
        "Check that the folder is a complete Hugging Face model (config.json, *.safetensors, tokenizer "
        "files) and that its files are not damaged."
    ),
    "error.load.image_failed": "Could not load the image model '{source}': {error}",
    "hint.load.image_folder": (
        "Check that it is a complete diffusers folder (model_index.json and each component's files) or an SD "
        "1.x / SDXL .safetensors checkpoint."
    ),
    "error.load.tokenizer": (
        "The tokenizer files (tokenizer.json, tokenizer_config.json) in '{folder}' could not be read: {error}"
    ),
    "hint.load.tokenizer": "Copy this model's tokenizer files again from its download.",
    "error.gguf.gone": "The GGUF file {path} no longer exists.",
    "error.gguf.unreadable": "The GGUF file {path} could not be read: {error}",
    "hint.gguf.broken": (
        "Check that the .gguf file is complete (an interrupted download leaves it short) and not one part of a "
        "split model; download it again if it is damaged."
    ),
    "error.gguf.architecture": (
        "{name} is a GGUF model of the '{architecture}' architecture, which the installed transformers cannot "
        "load from GGUF."
    ),
    "hint.gguf.architecture": (
        "Use a GGUF file of an architecture it reads ({supported}), or the model's safetensors version in "
        "models/text/<name>/; a newer transformers may read it too."
    ),
    "error.gguf.tokenizer": "The tokenizer stored in the GGUF file {folder} could not be read: {error}",
    "error.gguf.no_bnb": (
        "{quant} (bitsandbytes) cannot be used on a GGUF file: transformers loads GGUF files unquantized."
    ),
    "hint.gguf.no_bnb": (
        "Set the quantization back to auto for this model (on the CPU, int8 works), or use the model's "
        "safetensors version for 4-bit NF4 on a GPU."
    ),
    # -- folder -------------------------------------------------------------------------------------
    "error.folder.no_model_index": "The image model folder '{folder}' has no model_index.json.",
    "hint.folder.image_needs": (
        "An image model folder must be a diffusers folder as downloaded from Hugging Face, or put a single "
        ".safetensors checkpoint in the image folder instead."
    ),
    "hint.folder.download_again": "Download the model again.",
    "error.folder.single_file_family": "'{file}' is {what}: only SD 1.x and SDXL checkpoints load from a single file.",
    "hint.folder.use_diffusers_folder": "Put the model's diffusers folder (with model_index.json) at {path} instead.",
    "error.folder.gone": "The model folder {path} no longer exists.",
    "hint.folder.refresh_or_restore": "Press Refresh in the Models tab, or put the model back.",
    "error.folder.json_broken": "The {file} in '{folder}' is broken ({error}).",
    "error.folder.no_config": "The model folder '{folder}' has no config.json.",
    "hint.folder.text_needs": (
        "A chat model folder needs config.json, *.safetensors weights and tokenizer files, as downloaded "
        "from Hugging Face."
    ),
    "hint.folder.download_again_or_fix": "Download the model again or fix the file.",
    "error.folder.no_weights": "The model folder '{folder}' has no weights (*.safetensors).",
    "hint.folder.copy_weights": "Copy the model's .safetensors files into it.",
    "error.folder.no_tokenizer": "The model folder '{folder}' has no tokenizer (tokenizer.json or tokenizer.model).",
    "hint.folder.copy_tokenizer": "Copy the tokenizer files of this model into the folder.",
    # -- unsafe -------------------------------------------------------------------------------------
    "error.unsafe.component_pickle": (
        "The '{component}' of {name} only has pickle weights, which can run code when loaded."
    ),
    "hint.unsafe.use_safetensors": "Use a safetensors version of this model.",
    "error.unsafe.pickle_checkpoint": "'{file}' is a pickle checkpoint, which can run code when loaded.",
    "hint.unsafe.use_safetensors_file": "Use the .safetensors version of this model (most models offer one).",
    "error.unsafe.folder_pickle": (
        "The model in '{folder}' only has pickle weights ({files}), which can run code when loaded."
    ),
    "hint.unsafe.safetensors_or_opt_in": (
        "Use a safetensors version of this model, or opt in to pickle files for this model in the Models tab."
    ),
    "error.unsafe.remote_code": (
        "The model in '{folder}' needs to run its own Python code ({files}), which could do anything on this "
        "computer."
    ),
    "hint.unsafe.remote_code": (
        "Use a model that transformers supports directly, or, if you trust its authors, tick 'Trust remote "
        "code' for this model in the Models tab."
    ),
    # -- model --------------------------------------------------------------------------------------
    "error.model.not_downloaded": "{name} is not downloaded yet.",
    "hint.model.download_or_copy": (
        "Download it in the Models tab, or put a Hugging Face model folder at {path} and press Refresh."
    ),
    "error.model.none_chosen_text": "No chat model was chosen.",
    "error.model.none_chosen_image": "No image model was chosen.",
    "hint.model.pick_one": "Pick one of: {names}.",
    "error.model.unknown_text": "Unknown chat model '{name}'.",
    "hint.model.known_text": "Known chat models: {names}.",
    "error.model.unknown_image": "Unknown image model '{name}'.",
    "hint.model.known_image": "Known image models: {names}.",
    # -- prefs --------------------------------------------------------------------------------------
    "error.prefs.unknown_value": "Unknown {name} '{value}'.",
    "error.prefs.needs_bnb": "{quant} needs bitsandbytes, which does not work here ({why}).",
    "hint.prefs.quant_auto": "Set quantization to auto or none.",
    "error.prefs.offload_image_only": "Offload '{offload}' is for image models.",
    "hint.prefs.offload_text": "For chat models use auto, none or device_map.",
    "error.prefs.device_map_gpu": "Offloading with device_map needs a CUDA, ROCm or XPU GPU.",
    "hint.prefs.offload_auto": "Set offload to auto or none.",
    "error.prefs.no_such_device": "Device '{device}' was asked for, but this computer has no such GPU.",
    "hint.prefs.device_auto": "Set device to auto or cpu.",
    "error.prefs.image_device_map": "Image models cannot be split with device_map.",
    "hint.prefs.image_offload": "Choose offload 'model' (one component at a time on the GPU) or 'sequential'.",
    # -- plan ---------------------------------------------------------------------------------------
    "plan.describe": "{device} · {dtype} · {quant}",
    "plan.describe_offload": "{device} · {dtype} · {quant} · offload: {offload}",
    "quant.none": "no quantization",
    "quant.int8": "8-bit (int8)",
    "quant.nf4": "4-bit NF4",
    "plan.params": "{count} params",
    "plan.free.ram": "free RAM",
    "plan.free.unified": "free unified memory",
    "plan.free.vram": "free VRAM",
    "plan.prefix.none": "",
    "plan.prefix.cpu_only": "CPU only: ",
    "plan.prefix.cpu_chosen": "CPU (your choice): ",
    "plan.prefix.user": "your choice: ",
    "plan.prefix.cpu_only_user": "CPU only: your choice: ",
    "plan.prefix.cpu_chosen_user": "CPU (your choice): your choice: ",
    "plan.text.may_not_fit": (
        "{prefix}{params} in {what} = {need}, may not fit ({free} {where}): expect an out-of-memory error"
    ),
    "plan.text.size": "{params} x {bytes} B = {need}",
    "plan.extra.fastest_on_cpu": " (fastest on CPU)",
    "plan.extra.on_device": " on {device}",
    "plan.text.fits": "{prefix}{size} fits in {free} {where} -> {what}{extra}",
    "plan.text.too_big": "{prefix}{size} > {free} {where}",
    "plan.bnb.unavailable": "bitsandbytes unavailable",
    "plan.text.split_unquantized": (
        "{too_big} and no quantization ({why}) -> {what} split between GPU and RAM, {need} (slow)"
    ),
    "plan.text.split_quantized": (
        "{too_big}; even {what} ({need}) does not fit -> {what} split between GPU and {ram} free RAM (slow)"
    ),
    "plan.extra.slower_than_fp32": " (slower than fp32)",
    "plan.extra.slow": " (slow)",
    "plan.text.smaller": "{too_big} -> {what}, {need}{slow}",
    "plan.cache": "{reason}; KV cache {cache} ({tokens} tokens)",
    "plan.text.cpu_int8": "{prefix}{size} fits in {free} {where} -> {what}, {need}{why}",
    "plan.extra.int8_faster": (
        ": measured {speedup}x faster than fp32 on this CPU; fp32 keeps full precision at {speedup}x the time "
        "(quantization: none)"
    ),
    "plan.extra.int8_measured": ": measured {speedup}x the speed of fp32 on this CPU",
    "plan.extra.int8_would_be_faster": " (int8 measured {speedup}x faster on this CPU: quantization auto)",
    "plan.extra.nf4_trade": (
        " (4-bit: a little lower quality than 16-bit, about 2x faster than 8-bit int8, which is used only when chosen)"
    ),
    "plan.extra.int8_trade": " (8-bit int8: closer to 16-bit quality than 4-bit NF4, but decodes several times slower)",
    "plan.extra.both": "{first}{second}",
    "plan.bnb.not_on_device": "not available on this device",
    "plan.bnb.not_installed": "not installed",
    "error.plan.folder_size_unknown": (
        "The model folder '{path}' has no readable weights (*.safetensors), so its size is unknown."
    ),
    "error.plan.size_unknown": "'{name}' has no readable weights (*.safetensors), so its size is unknown.",
    "hint.plan.copy_weights": "Copy the model's .safetensors files into the folder, then press Refresh.",
    "plan.image.model": "{label} {params}",
    "plan.extra.vae_tiling": ", VAE tiling",
    "plan.image.size_gpu": "{model} x 2 B = {weights} + {work} working memory at {width}x{height}",
    "plan.image.fits_gpu": "{what} fits in {free} {where} -> {dtype} on {device}{tiling}",
    "plan.image.too_big": "{what} > {free} {where}",
    "plan.image.model_offload": (
        "{too_big} -> {dtype} with model CPU offload: one component at a time on the GPU (largest: "
        "{largest}, {size}){tiling}"
    ),
    "plan.image.nf4": "{too_big} -> transformer in 4-bit NF4 ({size}), the rest {dtype} on the GPU{tiling}",
    "plan.image.nf4_offload": "{too_big} -> transformer in 4-bit NF4 ({size}) with model CPU offload{tiling}",
    "plan.image.sequential": (
        "{too_big}; even one component at a time ({largest}, {size}) does not fit -> sequential CPU offload, "
        "layer by layer, and VAE tiling (works, but very slow)"
    ),
    "plan.image.fastest_on_cpu": "fastest on CPU",
    "plan.image.bf16_is_slower": "fp32 would need {need}; bf16 is slower",
    "plan.image.fits_cpu": (
        "{why_cpu}: {model} in {dtype} = {weights} + {work} working memory at {width}x{height} fits in "
        "{free} free RAM -> {dtype} ({why}){tiling}"
    ),
    "plan.image.cpu_only": "CPU only",
    "plan.image.cpu_chosen": "CPU (your choice)",
    "plan.note.quant_big_only": "{quant} applies only to FLUX / SD3-class transformers, so it is not used",
    "plan.note.quant_needs_gpu": "{quant} image transformers need an NVIDIA or AMD GPU, so it is not used",
    "plan.note.offload_on_cpu": "offload does nothing on the CPU",
    "plan.forced.fits": "fits",
    "plan.forced.may_not_fit": "may not fit ({free} free): expect an out-of-memory error",
    "plan.forced": (
        "your choice: {params} as {dtype}{quant}{offload} needs {need} at {width}x{height}, {verdict}{notes}"
    ),
    "plan.forced.transformer": ", transformer {quant}",
    "plan.forced.offload": ", offload {offload}",
    "plan.notes.one": " ({note})",
    "plan.notes.two": " ({first}; {second})",
    "error.plan.image_size_unknown": "The size of '{name}' is unknown: no readable .safetensors weights were found.",
    "hint.plan.check_weights": "Check that the model folder holds its *.safetensors files.",
    "plan.will_unload": "{reason}; {names} will be unloaded first to make room",
    "plan.unloaded": "{reason}; unloaded {names} to make room",
    "plan.gguf": "GGUF {type} file, dequantized at load: {reason}",
    "plan.gguf.no_bnb": "transformers does not combine bitsandbytes with GGUF files",
    # -- download -----------------------------------------------------------------------------------
    "error.download.already_here": "{name} is already on this computer ({path}).",
    "hint.download.just_load": "Load it, no download needed.",
    "download.files_skipped": "{files} files, {size}; left out {skipped} files not needed",
    "download.files": "{files} files, {size}",
    "download.progress": "{done} of {total} ({percent}) · {speed} MB/s · file {number} of {count}: {file}",
    "download.progress_eta": (
        "{done} of {total} ({percent}) · {speed} MB/s · {eta} left · file {number} of {count}: {file}"
    ),
    "unit.seconds": "{n} s",
    "unit.minutes": "{n} min",
    "unit.hours": "{n} h",
    "error.download.forced_offline": "LocalAI was started with --offline, so it stays offline.",
    "hint.download.restart_online": "Restart it without --offline to download models.",
    "error.download.offline": "Offline mode is on, so {name} cannot be downloaded.",
    "hint.download.offline_forced": (
        "Restart LocalAI without --offline to download it, or copy the model folder into the models folder "
        "and press Refresh."
    ),
    "hint.download.offline_switch": (
        "Switch off 'Offline mode' in the Models tab to download it, or copy the model folder into the "
        "models folder and press Refresh."
    ),
    "error.download.stopped": "The download of {name} was stopped.",
    "hint.download.continue": "What was downloaded is kept: press Download again to continue from there.",
    "error.download.no_repo": "{name} has no Hugging Face repository to download from.",
    "hint.download.already_local": "It is already a local model.",
    "download.a_chat_model": "a chat model",
    "download.an_image_model": "an image model",
    "error.download.wrong_kind": "{repo} is {kind}, not {other}.",
    "hint.download.other_list": "Pick it from the other list.",
    "error.download.pickle_only": (
        "{name} is only published as pickle weights ({files}), which can run code on this computer when "
        "loaded."
    ),
    "hint.download.pickle_opt_in": (
        "Pick a model with .safetensors weights, or, if you trust its authors, tick 'Allow pickle weights' "
        "for this model in the Models tab and download again."
    ),
    "error.download.no_weights": "{repo} on Hugging Face has no weights LocalAI can use.",
    "hint.download.pick_another": "Pick another model from the list.",
    "error.download.in_progress": "{name} is already being downloaded.",
    "hint.download.wait": "Wait for that download to finish.",
    "status.download.listing": "Asking Hugging Face for the files of {name}...",
    "error.download.target_exists": "{name} is already in {path}.",
    "hint.download.refresh_or_delete": "Press Refresh to see it; delete that folder first to download it again.",
    "error.download.disk": (
        "Not enough disk space for {name}: it needs {need} more{already}, but only {free} is free in {path}."
    ),
    "download.already_have": " ({have} is already downloaded)",
    "hint.download.disk": (
        "Free some space (and empty the trash), or start LocalAI with --models-dir on a disk with more room."
    ),
    "status.download.start": "Downloading {name}: {plan}.",
    "status.download.checking": "Checking {path}...",
    "error.download.damaged": "{file} of {name} was damaged while resuming and was deleted.",
    "hint.download.fetch_anew": "Press Download again to fetch it anew.",
    "error.download.gated_no_access": (
        "{name} is gated, and your Hugging Face account has not been given access to it yet."
    ),
    "hint.download.accept_license": (
        "Open {page}, accept its license while logged in (approval can take a while), then press Download "
        "again."
    ),
    "error.download.gated": (
        "{name} is gated: its authors only allow downloads after you accept their license on Hugging Face."
    ),
    "hint.download.gated_steps": (
        "1) Open {page} and accept the license while logged in. 2) Create a 'read' token at {tokens}. 3) In "
        "a terminal run `hf auth login` and paste it (or set the HF_TOKEN environment variable). 4) Restart "
        "LocalAI and press Download again. Or pick an ungated model."
    ),
    "error.download.hf_offline": "{name} cannot be downloaded: the HF_HUB_OFFLINE environment variable is set.",
    "hint.download.unset_hf_offline": (
        "Unset HF_HUB_OFFLINE (or switch 'Offline mode' off in the Models tab) and try again."
    ),
    "error.download.not_found": "{repo} was not found on Hugging Face ({host}), or it is private.",
    "hint.download.check_name": "Check the name; for a private model log in with `hf auth login` and restart LocalAI.",
    "error.download.http": "Hugging Face ({host}) answered with an error (HTTP {status}) while downloading {name}.",
    "hint.download.try_later": "Try again in a few minutes; finished files are kept.",
    "error.download.no_network": "Could not reach Hugging Face ({host}) to download {name}: {error}.",
    "hint.download.no_network": (
        "Check the internet connection (and proxy settings), then press Download again; what was downloaded "
        "is kept. Or copy the model folder from another computer into {path} and press Refresh."
    ),
    "error.download.disk_full": "The disk filled up while downloading {name}.",
    "hint.download.free_and_continue": "Free some space, then press Download again to continue.",
    "error.download.incomplete": "A file of {name} arrived incomplete.",
    "hint.download.continue_received": "Press Download again; it continues from what was received.",
    "error.download.os_error": "Downloading {name} failed: {error}",
    "hint.download.again_log": "Press Download again; the console log has the details.",
    "error.download.failed": "Downloading {name} failed ({error}).",
    "hint.download.log_retry": "The console log has the details; press Download again to retry.",
    # -- doctor -------------------------------------------------------------------------------------
    "doctor.python_fix": (
        "Install 64-bit Python 3.11 or 3.12 from https://www.python.org/downloads/ (Ubuntu/Debian: {apt}; "
        "macOS: {brew}), delete the .venv folder, then run ./launch.sh again (or {again})."
    ),
    "doctor.reinstall": "delete the file {path}, then run: {command}",
    "doctor.cpu_only_build": "a CPU-only build",
    "doctor.other_build": "built for {build}, not CUDA",
    "doctor.nvidia_unused": (
        "Your NVIDIA GPU is not used: the installed PyTorch ({version}) is {kind}, so everything runs slowly "
        "on the processor."
    ),
    "doctor.install_cuda": "Install the CUDA build of PyTorch: {how}.",
    "doctor.amd_unused": (
        "Your AMD GPU is not used: the installed PyTorch ({version}) is not the ROCm build, so everything "
        "runs slowly on the processor."
    ),
    "doctor.install_rocm": "Install the ROCm build of PyTorch: {how}.",
    "doctor.older_cuda": " Or install an older CUDA build of PyTorch: delete the .venv folder, then run: {command}.",
    "doctor.driver_old_works": (
        "Your NVIDIA driver ({driver}) is too old for the installed PyTorch: it supports CUDA up to {max}, "
        "PyTorch was built for CUDA {built}. PyTorch still sees the GPU, but some operations may fail."
    ),
    "doctor.driver_old_broken": (
        "Your NVIDIA driver ({driver}) is too old for the installed PyTorch: it supports CUDA up to {max}, "
        "PyTorch was built for CUDA {built}. PyTorch cannot use the GPU, so LocalAI runs slowly on the "
        "processor."
    ),
    "doctor.update_driver_alt": "Update the NVIDIA driver ({url}) and restart the computer.{alternative}",
    "doctor.cuda_unavailable": (
        "PyTorch cannot use your NVIDIA GPU (torch.cuda.is_available() is False), so LocalAI runs slowly on "
        "the processor."
    ),
    "doctor.update_driver_check": (
        "Update the NVIDIA driver ({url}) and restart the computer; check that `nvidia-smi` lists the GPU. "
        "If it still fails, {how}."
    ),
    "doctor.rocm_unavailable": "PyTorch cannot use your AMD GPU, so LocalAI runs slowly on the processor.",
    "doctor.rocm_fix": (
        "Check that `rocminfo` lists your GPU (ROCm driver installed), and add yourself to the render and "
        "video groups: {command}, then log out and in again. Some Radeon cards also need "
        "HSA_OVERRIDE_GFX_VERSION."
    ),
    "doctor.python_version": "Python {version} is not supported: LocalAI needs Python 3.10 to 3.13.",
    "doctor.python_32bit": "This Python ({path}) is 32-bit; PyTorch needs 64-bit Python.",
    "doctor.torch_broken": "PyTorch is installed but does not start: {error}",
    "doctor.torch_reinstall": (
        "Delete the .venv folder and run {command} again; it installs the right PyTorch for your computer."
    ),
    "doctor.torch_missing": "PyTorch is not installed.",
    "doctor.torch_install": "Run {command}: it installs the right PyTorch for your computer.",
    "doctor.libraries_missing": "Required libraries are missing: {names}.",
    "doctor.libraries_install": "Run {command}: it installs everything in requirements.txt (or: {pip}).",
    "doctor.hardware_unknown": "The hardware could not be detected ({error}).",
    "doctor.repair": "Run {command} to repair the installation.",
    "doctor.bnb_broken": (
        "bitsandbytes does not work on your GPU ({why}): large models cannot be loaded in 8-bit or 4-bit, so "
        "fewer models fit in GPU memory."
    ),
    "doctor.bnb_reinstall": "Reinstall it: {command}; then run the check again.",
    "doctor.disk_full": "The disk is almost full: {free} GB free in the models folder ({path}).",
    "doctor.disk_full_fix": (
        "Free some disk space (empty the trash, delete large unused files), or put models on another disk "
        "with --models-dir D."
    ),
    "doctor.the_chat_model": "the chat model",
    "doctor.disk_for_model": (
        "Not enough disk space to download {name}: it needs {need} GB, and the models folder ({path}) has "
        "{free} GB free."
    ),
    "doctor.disk_for_model_fix": (
        "Free some disk space, put models on another disk with --models-dir D, or choose a smaller chat "
        "model with --text-model NAME."
    ),
    "doctor.cannot_write_models": "LocalAI cannot write to its models folder: {path}.",
    "doctor.cannot_write_data": "LocalAI cannot write to its data folder: {path}.",
    "doctor.cannot_write_outputs": "LocalAI cannot write to its outputs folder: {path}.",
    "doctor.cannot_write_fix": (
        "Give your user write permission to {path} (Linux/macOS: {command}), or use another folder with "
        "{flag} D."
    ),
    "doctor.low_disk": "Only {free} free on the disk of {path}: conversations and images may fail to save.",
    "doctor.low_disk_fix": "Free some space on that disk, or use a folder on another disk with {flag} D.",
    "check.cannot_start": "LocalAI cannot start:",
    "doctor.port_in_use": "Port {port} on {host} is already in use (another program, or LocalAI already running).",
    "doctor.port_fix": (
        "Nothing to do: LocalAI will use the next free port. To choose one, pass --port {port} (or close the "
        "other program)."
    ),
    "doctor.plan.not_planned": "{name}: not planned, PyTorch is not working",
    "doctor.plan.line": "{name}: {plan} ({reason})",
    "doctor.chat_model_broken": "The chat model cannot be loaded: {problem}",
    "doctor.plan.failed": "{name}: {error}",
    "doctor.plan.error": "{error}",
    "doctor.choose_other_model": "Choose another chat model.",
    "doctor.plan.crashed": "could not be planned ({error})",
    # -- api ----------------------------------------------------------------------------------------
    "error.api.edit_image_required": "'image' is required: the picture to edit, sent as a file.",
    "error.api.edit_file": "'{field}' must be a picture sent as a file; this server takes uploads only, never "
                           "names or URLs.",
    "error.api.bad_form": "The form could not be read ({error}).",
    "hint.api.bad_form": "Send multipart/form-data with the picture as the file 'image' and the other fields as "
                         "text (curl: -F image=@picture.png -F prompt=...).",
    "error.api.mask_mode": "A mask is only used to repaint part of a picture (mode \"inpaint\"), not for {mode}.",
    "error.api.no_saved_prompt": "This picture has no saved prompt to make variations of, and the request sends "
                                 "no 'prompt'.",
    "hint.api.no_saved_prompt": "Send the prompt to draw it with as an extra 'prompt' field, or a PNG made by "
                                "LocalAI or AUTOMATIC1111 (they save the prompt in the file).",
    "error.api.field_range": "'{field}' must be between {lo} and {hi} (got {value}).",
    "error.api.model_required": "'model' is required: the {what} model to use.",
    "api.kind.chat": "chat",
    "api.kind.image": "image",
    "hint.api.models": "Models on this server: {names} (GET /v1/models lists them).",
    "error.api.messages_list": "'messages' must be a non-empty list of {{role, content}} objects.",
    "error.api.message_object": "{item} must be an object with 'role' and 'content'.",
    "error.api.role": "{item} has the role '{role}'; this server takes system, user, assistant and tool messages.",
    "error.api.no_tools": "'{field}' (the old form of function calling) is not supported by this server: send 'tools'.",
    "error.api.only_n1": "Only n=1 is supported: ask again for another answer.",
    "error.api.stream_options": '\'stream_options\' only applies with "stream": true.',
    "error.api.text_parts_only": "Only text and image parts are supported in messages (no audio or files).",
    "error.api.content": "'{field}' must be a string or a list of text and image parts.",
    "error.api.prompt_required": "'prompt' is required: describe the picture you want.",
    "error.api.image_format": 'response_format \'{format}\' is not supported; use "b64_json".',
    "error.api.size": '\'size\' must look like "512x512" (width x height), not \'{size}\'.',
    "error.api.wrong_key": "The API key is wrong.",
    "error.api.needs_key": "This server needs an API key.",
    "hint.api.send_key": (
        "Send 'Authorization: Bearer KEY' with the key printed when LocalAI started (or the one given with "
        "--api-key)."
    ),
    "error.api.not_json": "The request body is not valid JSON.",
    "error.api.not_object": "The request body must be a JSON object.",
    "error.api.crashed": "Something went wrong ({error}).",
    "hint.api.console_log": "The server's console log has the details.",
    "error.api.no_answer": "The answer ended without a result.",
    "hint.api.try_again": "Try again.",
    "error.api.no_images": "The image job ended without a result.",
    "error.api.no_route": "There is no {method} {path} on this server.",
    "hint.api.routes": "It offers GET /v1/models, POST /v1/chat/completions, POST /v1/completions, POST /v1/embeddings, "
                       "POST /v1/images/generations, "
                       "POST /v1/images/edits and POST /v1/images/variations.",
    "error.api.field_above": "'{field}' must be above {lo}.",
    "error.api.stop": "'stop' must be a string or a list of up to {max} non-empty strings.",
    "error.api.field_type": "'{field}' must be {kind}.",
    "error.api.field_types": "'{field}' must be {kind} or {other}.",
    "api.type.str": "a string",
    "api.type.int": "a whole number",
    "api.type.float": "a number",
    "api.type.bool": "true or false",
    "api.type.list": "a list",
    "api.type.dict": "an object",
    "error.api.no_proxy": "Fetching other hosts' files is switched off on this server.",
    "error.api.lone_surrogate": (
        "'{field}' holds a lone UTF-16 surrogate (such as "
        "\\ud800): a broken character, not text."),
    "hint.api.valid_unicode": "Send valid Unicode text.",
    # -- limit --------------------------------------------------------------------------------------
    "error.limit.chat_messages": "This conversation has {value} messages; at most {max} can be sent at once.",
    "hint.limit.new_conversation": "Start a new conversation: the model cannot read that many messages anyway.",
    "error.limit.chat_characters": (
        "This conversation is too long: {value} characters, "
        "at most {max} can be sent at once."),
    "hint.limit.shorter_conversation": (
        "Shorten the messages (a long text can go in "
        "parts), or start a new conversation."),
    "error.limit.json_depth": "The request nests lists and objects more than {max} levels deep.",
    "hint.limit.json_depth": "Send the fields as the API describes them.",
    # -- option -------------------------------------------------------------------------------------
    "error.option.temperature": "Temperature must be between {lo} and {hi}.",
    "error.option.top_p": "Top-p must be above {lo} and at most {hi}.",
    "error.option.top_k": "Top-k must be between {lo} (off) and {hi}.",
    "error.option.max_new_tokens": "Max new tokens must be between {lo} and {hi}.",
    "error.option.repetition_penalty": "Repetition penalty must be between {lo} and {hi}.",
    "error.option.frequency_penalty": "Frequency penalty must be between {lo} and {hi}.",
    "error.option.presence_penalty": "Presence penalty must be between {lo} and {hi}.",
    "error.option.seed": "Seed must be -1 (random) or a number from 0 up.",
    "error.option.image_seed": "Seed must be -1 (random) or a whole number from 0 to {hi}.",
    "error.option.image_steps": "Steps must be between {lo} and {hi}.",
    "error.option.guidance": "Guidance scale must be between {lo} and {hi}.",
    "error.option.image_count": "Number of images must be between {lo} and {hi}.",
    "error.option.image_side": "Width and height must be between {lo} and {hi}.",
    "error.option.port": "Port must be between {lo} and {hi}.",
    "error.option.queue": "Queue length must be between {lo} and {hi}.",
    "error.option.stop": "Give at most {max} non-empty stop strings.",
    # -- edit (image editing: variations, upscale, img2img, inpaint, outpaint; LoRA) ---------------------
    "edit.strength": "Strength",
    "edit.strength_info": "How much of the picture is redrawn: low keeps it close, 1 ignores it.",
    "edit.mode.text_to_image": "drawing from text",
    "edit.mode.image_to_image": "image to image",
    "edit.mode.variation": "variations",
    "edit.mode.inpaint": "inpainting (vary region)",
    "edit.mode.outpaint": "outpainting (zoom out / pan)",
    "edit.mode.upscale": "upscaling",
    "error.option.strength": "Strength must be more than {lo} and at most {hi}.",
    "error.option.lora_weight": "A LoRA's weight must be between {lo} and {hi}.",
    "error.option.lora_count": "Use at most {hi} LoRAs at once.",
    "error.edit.mode": "Unknown edit '{value}'.",
    "error.edit.no_image": "{mode} needs a picture to start from.",
    "hint.edit.add_image": "Drop a picture (PNG, JPEG or WebP) into the image box, or pick one of your images.",
    "error.edit.outpaint": "Unknown direction to extend the picture: '{value}'.",
    "error.edit.not_an_image": "The {field} is not a picture that can be read ({error}).",
    "hint.edit.image_kinds": "Use a PNG, JPEG or WebP file.",
    "error.edit.too_large": "The picture is too large ({width} x {height} pixels; at most {max} million).",
    "hint.edit.smaller": "Make it smaller in an image editor first.",
    "error.edit.too_small": "The picture is too small ({width} x {height} pixels).",
    "hint.edit.bigger": "Use a picture at least 64 pixels on each side.",
    "error.edit.no_mask": "Inpainting needs a mask: the part of the picture to redraw.",
    "hint.edit.paint_mask": "Paint over the part to change with the brush (or, through the API, make it transparent).",
    "error.edit.empty_mask": "The mask marks nothing to redraw.",
    "error.edit.mask_size": "The mask is {mask_width} x {mask_height} pixels but the picture is {width} x {height}.",
    "hint.edit.mask_size": "Make the mask from the same picture, at the same size.",
    "error.edit.mask_no_alpha": "The mask has no transparency, so it marks nothing to redraw.",
    "hint.edit.mask_alpha": "Give a PNG whose fully transparent pixels mark what to redraw, as OpenAI's API defines.",
    "error.edit.upscale_too_big": (
        "This {width} x {height} picture cannot be upscaled 2x: {up_width} x {up_height} is beyond what "
        "{family} models draw ({max} px on a side)."
    ),
    "hint.edit.upscale_too_big": "Upscale a smaller picture, or use a model with a larger limit.",
    "error.edit.model_cannot": "{model} cannot do {mode}.",
    "hint.edit.model_cannot": (
        "It is an inpainting model: use it to repaint a region or extend a picture, or pick another model."
    ),
    "error.edit.remote": "{model} runs on another server; editing pictures and LoRAs work with models on this computer.",
    "hint.edit.remote": "Pick a model on this computer for this.",
    "notice.upscale_tiles": (
        "Upscaled to {width} x {height} in {tiles} tiles of {size} px: the whole picture would not fit in the "
        "free memory at once."
    ),
    "notice.inpainting_model": "Drawn with {name}, the inpainting model of the same family as {asked}.",
    "error.lora.count": "Use at most {max} LoRAs at once.",
    "hint.lora.count": "Take some out.",
    "error.lora.unreadable": "The LoRA file {name} cannot be read ({error}).",
    "hint.lora.safetensors": "LoRAs must be .safetensors files; download it again if it was cut short.",
    "error.lora.not_lora": "{name} is not a LoRA: it holds no LoRA weights.",
    "hint.lora.what": "Put LoRA files (.safetensors, from the trainer or a model site) in models/lora/.",
    "error.lora.unknown": "There is no LoRA called '{name}'.",
    "hint.lora.known": "LoRAs in models/lora/: {known}.",
    "error.lora.unresolved": "The LoRA(s) {name} were not looked up for this model.",
    "error.lora.family": "The LoRA {name} is made for {lora_family} models, but {model} is {family}.",
    "hint.lora.family": "Pick a {family} model for it, or a LoRA made for {family}.",
    "error.lora.unsupported": "{model} cannot use LoRAs.",
    "hint.lora.unsupported": "Use a Stable Diffusion, SDXL or FLUX model for LoRAs.",
    "error.lora.needs_peft": "Using LoRAs needs the 'peft' package, which is not installed.",
    "hint.lora.needs_peft": "Run the launch script again (it installs it), or: pip install peft",
    "error.lora.does_not_fit": "The LoRA {name} does not fit {model} ({error}).",
    "hint.lora.does_not_fit": "It was probably made for another model family; pick one made for this model.",
    "error.lora.remote": "{model} runs on another server: LoRAs work with models on this computer.",
    "notice.lora_image_part": (
        "The LoRA(s) {names}: only the image model's part was applied; the text-encoder part needs peft "
        "{needed} or newer (pip install -U peft)."
    ),
    "lora.weight": "Weight",
    "lora.pick": "LoRA file",
    "lora.info": "LoRA files for this model, from models/lora/. Add one to the prompt as <lora:name:weight>.",
    "lora.none": "No LoRA for this model: put .safetensors LoRA files in models/lora/.",
    "lora.add": "Add to prompt",
    "lora.pick_first": "Pick a LoRA first.",
    "edit.vary_subtle": "Vary (subtle)",
    "edit.vary_strong": "Vary (strong)",
    "edit.upscale": "Upscale 2x",
    "edit.open": "Edit",
    "edit.in_image_tab": "Edit in the Image tab",
    "edit.caption.vary_subtle": "vary (subtle)",
    "edit.caption.vary_strong": "vary (strong)",
    "edit.caption.upscale": "upscaled 2x",
    "edit.pick_first": "Generate an image first, or pick one in the grid.",
    "edit.busy": "A drawing is still running: wait for it, or cancel it.",
    "edit.section": "Edit a picture",
    "edit.how": (
        "Drop or paste a picture, or press Edit on an image. For \"Vary region\", paint over the part to redraw "
        "with the brush. Draw uses the prompt above and the advanced settings."
    ),
    "edit.picture": "Picture to edit (the brush paints what to redraw)",
    "edit.what": "What to do",
    "edit.choice.image_to_image": "Image to image",
    "edit.choice.inpaint": "Vary region (inpaint)",
    "edit.choice.zoom_15": "Zoom out 1.5x",
    "edit.choice.zoom_2": "Zoom out 2x",
    "edit.choice.pan_left": "Pan ←",
    "edit.choice.pan_right": "Pan →",
    "edit.choice.pan_up": "Pan ↑",
    "edit.choice.pan_down": "Pan ↓",
    "edit.draw": "Draw",
    "edit.mask_layer": "Mask",
    "edit.drop_first": "Drop a picture into the editor first (or press Edit on an image).",
    # -- documents (issue 16) ---------------------------------------------------------
    "error.doc.empty": "{name} is empty.",
    "hint.doc.empty": "Check that it is the right file and that it was saved, then attach it again.",
    "error.doc.too_big": "{name} is too large ({size}); the limit is {limit} per file.",
    "hint.doc.too_big": "Attach a smaller file, or only the part you need (for example a few chapters saved as "
                        "their own PDF).",
    "error.doc.too_many_pages": "{name} has {pages} pages; the limit is {limit}.",
    "error.doc.too_much_text": "{name} holds more than {limit} characters of text, more than LocalAI reads from one "
                               "file.",
    "error.doc.unpacks_too_big": "{name} unpacks to more than {limit}, too much to read.",
    "hint.doc.split": "Split it into smaller files and attach the parts you need.",
    "error.doc.unsupported": "LocalAI cannot read this type of file: {name}.",
    "hint.doc.unsupported": (
        "Attach a PDF, Word (.docx), text (.txt), Markdown (.md), HTML, CSV or source code file. Other documents "
        "(.doc, .odt, .rtf, .pages) can be saved as PDF or .docx from the program that opens them."
    ),
    "error.doc.binary": "{name} does not hold plain text, although its name says so.",
    "hint.doc.binary": "Save it again as plain text (or as PDF) and attach that copy.",
    "error.doc.encrypted": "{name} is protected by a password.",
    "hint.doc.encrypted": "Open it in your PDF viewer, save an unprotected copy (or print it to PDF), and attach "
                          "that copy.",
    "error.doc.broken_pdf": "{name} could not be read: the file is damaged or not really a PDF.",
    "error.doc.broken_docx": "{name} could not be read: the file is damaged or not really a Word (.docx) document.",
    "hint.doc.broken": "Open it on your computer to check it, save it again (\"Save as\", or print it to PDF), and "
                       "attach the new copy.",
    "error.doc.scanned": "No text found in {name}: it looks like a scanned document (pictures of pages).",
    "hint.doc.scanned": "LocalAI cannot read text from pictures of pages yet. Use a PDF with selectable text, or "
                        "copy the text into the message.",
    "error.doc.no_text": "No text found in {name}.",
    "hint.doc.no_text": "Check that it is the right file, or copy the text into the message.",
    "error.doc.not_found": "That document does not exist or is not yours.",
    "hint.doc.not_found": "It may have been removed; attach the file again.",
    "doc.source.page": "{name}, p. {page}",
    "doc.source.pages": "{name}, pp. {first}–{last}",
    "doc.source.part": "{name}, part {page}",
    "doc.source.parts": "{name}, parts {first}–{last}",
    # (end of documents)
    # -- embedding (issue 16) ---------------------------------------------------------
    "models.kind.embedding": "embedding",
    "embed.download.an_embedding_model": "an embedding model",
    "error.embed.none_on_disk": "No embedding model is on this computer. Long documents are searched with one.",
    "hint.embed.get_one": (
        "Download {suggested} in the Models tab ({size}), or put an embedding model's folder in models/embedding/ "
        "and press Refresh."
    ),
    "hint.embed.put_one": (
        "Put an embedding model's folder (config.json, *.safetensors, tokenizer files) in models/embedding/ and "
        "press Refresh."
    ),
    "error.embed.unknown_model": "Unknown embedding model '{name}'.",
    "hint.embed.known": "Embedding models: {names}. Others go in models/embedding/<name>/.",
    "error.embed.chat_model": "'{name}' is a chat model, not an embedding model.",
    "error.embed.image_model": "'{name}' is an image model, not an embedding model.",
    "hint.embed.use_these": "Embedding models on this computer: {names}.",
    "error.embed.not_downloaded": "The embedding model {name} is not downloaded yet.",
    "hint.embed.download_this": "Download it in the Models tab ({size}), or put its folder in {folder} and press "
                                "Refresh.",
    "error.embed.no_input": "There is no text to embed.",
    "hint.embed.send_text": "Send the text itself: a string, or a list of strings.",
    "error.embed.too_many": "{count} texts were sent; at most {max} are embedded at once.",
    "hint.embed.split": "Send them in several requests.",
    "error.embed.not_text": "Text {index} is not a string.",
    "error.embed.empty_text": "Text {index} is empty.",
    "error.embed.too_long": "The texts have {count} characters together; at most {max} are embedded at once.",
    "error.embed.load_failed": "Could not load the embedding model in '{source}': {error}",
    "hint.embed.folder": (
        "Check that the folder is a complete Hugging Face encoder model such as multilingual-e5-small (config.json, "
        "*.safetensors, tokenizer files) and that its files are not damaged."
    ),
    "hint.embed.load_oom": "The memory was freed. Close other programs, or unload a model in the Models tab.",
    "error.embed.oom": "Ran out of memory while embedding texts with {name}, even one text at a time.",
    "hint.embed.oom": "The memory was freed. Unload other models in the Models tab or close other programs, then try "
                      "again.",
    "embed.plan.fits": "{params} x {bytes} B + {work} for a batch of texts = {need} fits in {free} {where} -> "
                       "{dtype}{note}",
    "embed.plan.cpu_instead": "{device} has {free} free, too little -> CPU: {reason}",
    "embed.plan.whole": " (loaded whole: {ignored} is for chat and image models)",
    "embed.plan.whole_two": " (loaded whole: {first} and {second} are for chat and image models)",
    "error.embed.too_big": "{name} ({params}) needs about {need} with its working memory, but only {free} {where} is "
                           "left.",
    "error.embed.input_required": "'input' is required: the text, or the list of texts, to embed.",
    "error.embed.input_kind": "'{field}' must be a string or a list of strings.",
    "error.embed.tokens": "Token ids cannot be embedded here: each model has its own tokens.",
    "error.embed.format": "'encoding_format' must be float or base64, not '{format}'.",
    "error.embed.dimensions_positive": "'dimensions' must be 1 or more.",
    "error.embed.dimensions": "This model's vectors have {size} dimensions, not {asked}; they are not shortened.",
    "hint.embed.dimensions": "Leave 'dimensions' out, or send {size}.",
    "error.embed.input_type": "'input_type' must be passage, document or query, not '{value}'.",
    "error.embed.no_vectors": "The embedding job ended without vectors.",
    # (end of embedding)
    # -- vision (issue 16) ---------------------------------------------------------
    "error.vision.too_many_images": "A message can hold at most {max} pictures; this one has {value}.",
    "hint.vision.fewer_images": "Send fewer pictures at once.",
    "error.vision.too_many_images_total": (
        "This conversation holds {value} pictures; at most {max} can be sent at once."
    ),
    "hint.vision.new_conversation": "Start a new conversation for the next pictures.",
    "error.vision.image_too_big": "The picture '{field}' is {size} MB; a picture can be at most {max} MB.",
    "hint.vision.smaller_file": "Send a smaller file: a screenshot, or the photo saved as JPEG.",
    "error.vision.images_list": "'{field}' must be a list of picture files (PNG, JPEG, WebP, GIF or BMP bytes).",
    "error.vision.not_a_picture": "'{field}' is not a picture LocalAI can read ({error}).",
    "hint.vision.picture_formats": "Send a PNG, JPEG, WebP, GIF or BMP file.",
    "error.vision.too_many_pixels": (
        "The picture '{field}' is too large ({size} pixels); at most {max} megapixels are read."
    ),
    "hint.vision.smaller_picture": "Make the picture smaller (or crop it) and send it again.",
    "error.vision.text_only_model": "{name} reads only text and cannot see pictures.",
    "hint.vision.pick_vision_model": "Pick a model that reads pictures: {names}.",
    "hint.vision.download_vision_model": (
        "Download a model that reads pictures in the Models tab ({names}), or send the message without the picture."
    ),
    "hint.vision.no_vision_model_fits": (
        "None of the models that read pictures fits this computer's memory: send the message without the picture."
    ),
    "error.vision.image_url_missing": "'{field}' has no picture: 'image_url' needs a 'url'.",
    "error.vision.url_not_fetched": (
        "'{field}' is a web address: LocalAI fetches nothing from the network, so it cannot open it."
    ),
    "error.vision.not_data_url": "'{field}' is not a data URL with a picture.",
    "error.vision.not_base64": "The data URL in '{field}' is not base64.",
    "error.vision.bad_base64": "The data URL in '{field}' is not valid base64.",
    "hint.vision.data_url": "Send the picture itself as a base64 data URL: data:image/png;base64,...",
    "status.vision.loading_processor": "Loading the picture processor and tokenizer of {name}...",
    "error.vision.processor": "The picture processor in {folder} could not be loaded: {error}",
    "hint.vision.processor": (
        "The folder needs the model's processor files (preprocessor_config.json or processor_config.json) beside "
        "its tokenizer: download the model again."
    ),
    "hint.vision.needs_torchvision": (
        "This model's processor may need torchvision, which is not installed: install the torchvision build that "
        "matches your torch, or pick another vision model (SmolVLM works without it)."
    ),
    "error.vision.not_a_vision_processor": "The processor in {folder} has no image processor or no tokenizer.",
    "error.vision.no_chat_template": "The vision model in {folder} has no chat template.",
    "hint.vision.chat_template": (
        "Copy the model's chat_template.json (or chat_template.jinja) into the folder, or download the model again."
    ),
    "notice.vision.made_smaller": (
        "Pictures made smaller to {side} px on the longest side (the most {name} reads): {n}."
    ),
    "error.vision.processor_refused": "{name} could not take this conversation with its pictures: {reason}",
    "hint.vision.processor_refused": "Send the picture in a new conversation, with a short question.",
    "plan.vision.int8_language_only": "{reason}; int8 for the language part, the picture part stays fp32",
    # (end of vision)
    # -- chat attachments (issue 16) ---------------------------------------------------------
    "attach.documents": "Documents in this chat (remove one with its ×)",
    "attach.attached": "Attached: {names}. Ask a question about it.",
    "attach.ask_about_picture": "Type a question about the picture, then send it.",
    "attach.chip_pages": "📄 {name} · {count} p.",
    "attach.chip_parts": "📄 {name}",
    "attach.sources": "📄 Sources: {parts}",
    "attach.status.searching": "Searching the documents for the parts that answer the question...",
    "attach.notice.keywords": "The documents were searched by keywords: {why}",
    "error.attach.too_many": "This conversation already has the most documents it can hold ({max}).",
    "error.attach.too_much": "The documents of this conversation would be larger than {mb} MB together.",
    "hint.attach.new_chat": "Remove a document you no longer need (its × above the message box) or start a new chat.",
    "error.attach.no_room": "The conversation already fills the model's context: no room is left for the documents.",
    "hint.attach.no_room": "Start a new chat for questions about the documents, or lower the answer length in Settings.",
    "attach.draw_this": "Draw this",
    "attach.ask_in_chat": "Ask in chat",
    "attach.ask_default": "What is in this picture?",
    "attach.nothing_to_draw": "There is no answer to draw yet: ask something first.",
    # (end of chat attachments)
    # -- ollama (issue 17) ---------------------------------------------------------
    "error.ollama.model_required": "model is required",
    "hint.ollama.models": "Models on this server: {names} (GET /api/tags lists them).",
    "error.ollama.unknown_model": "model '{name}' not found",
    "error.ollama.not_supported": "{route} is not supported by LocalAI.",
    "hint.ollama.models_tab": "Download, add and delete models in LocalAI's Models tab.",
    "hint.ollama.routes": "It offers GET /api/version, GET /api/tags, GET /api/ps, POST /api/show, POST /api/chat, "
                          "POST /api/generate, POST /api/embed and POST /api/embeddings.",
    "error.ollama.format": "'format' must be \"json\" or a JSON schema (an object).",
    "error.ollama.no_thinking": "\"{name}\" does not support thinking ('think').",
    "error.ollama.raw": "'raw' prompts are not supported: the prompt always goes through the model's chat template.",
    "hint.ollama.raw": "Leave 'raw' out and send the text without the template's special tokens.",
    "error.ollama.unsupported_field": "'{field}' is not supported by this server.",
    "error.ollama.images_list": "'{field}' must be a list of base64-encoded pictures.",
    "error.ollama.image_base64": "'{field}' is not a base64-encoded picture.",
    "hint.ollama.image_base64": "Send each picture file as a base64 string (a data URL is taken too).",
    "error.ollama.no_truncate_false": "'truncate': false is not supported: each text is cut at the model's window.",
    "hint.ollama.truncate": "Leave 'truncate' out, or split long texts yourself.",
    # (end of ollama)
    # -- tools (issue 17) ---------------------------------------------------------
    "error.tools.no_template": "The chat template of {name} has no tool support: the model cannot be shown tools.",
    "hint.tools.pick_model": (
        "Pick a model made for tools (Qwen2.5 Instruct, Llama 3.1 Instruct, Mistral Instruct v0.3), "
        "or send the request without 'tools'."
    ),
    "error.tools.backend": (
        "{name} cannot be given tools here: tool calling works with local text models (transformers folders "
        "and GGUF files), not with remote models or models that read pictures."
    ),
    "error.tools.too_many": "'{field}' has {value} tools; at most {max} are taken.",
    "error.tools.duplicate": "Two tools are named '{name}' ('{field}'): each function needs its own name.",
    "error.tools.type": "'{field}' is '{type}'; only 'function' tools are supported.",
    "error.tools.name": "'{field}' must be a function name of 1 to 64 letters, digits, underscores or dashes.",
    "error.tools.parameters_type": (
        "'{field}' must be 'object': a function's parameters are a JSON schema of an object."
    ),
    "error.tools.bad_schema": "'{field}' is not a valid JSON schema: {reason}",
    "error.tools.choice": (
        "'{field}' must be 'auto', 'none', 'required' or an object naming a function ('function.name')."
    ),
    "error.tools.choice_unknown": "'{field}' names '{name}', which is not among the tools: {names}.",
    "error.tools.choice_without_tools": "'{field}' asks for a tool call, but the request has no tools.",
    "error.tools.no_pictures": "{item} holds a picture; tool calls and tool results are text.",
    "error.tools.call_id_missing": "{item} is a tool message without 'tool_call_id': say which call it answers.",
    "error.tools.call_id_unknown": "{item} answers the call '{id}', which no earlier assistant message made.",
    "error.tools.arguments": "'{field}' must be a JSON object, or the JSON text of one.",
    # (end of tools)
    # -- structured output (issue 17) ---------------------------------------------------------
    "error.structured.not_object": "'{field}' must be an object with a 'type': text, json_object or json_schema.",
    "error.structured.type": "'{field}' is {value}: it must be one of {types}.",
    "error.structured.json_schema": "'{field}' must be an object that holds the JSON Schema under 'schema'.",
    "error.structured.schema": "'{field}' must be a JSON Schema: an object (or true / false).",
    "hint.structured.format": (
        "For JSON that follows a schema send response_format with type json_schema and the schema in "
        "json_schema.schema; for any JSON object, type json_object."),
    "error.structured.bad_schema": "The JSON Schema in '{field}' cannot be used to constrain the answer: {reason}.",
    "hint.structured.bad_schema": (
        "Check the schema (its types, properties, required, items, enum and $ref) and send it again; "
        "the reason names what is wrong or not supported."),
    # (end of structured output)
    # -- completions (issue 17) ---------------------------------------------------------
    "error.complete.prompt_required": "'prompt' is required: the text for the model to continue.",
    "error.complete.prompt_kind": "'prompt' must be a string (or a list holding one string).",
    "error.complete.tokens": "Token ids cannot be sent here: each model has its own tokens.",
    "hint.complete.send_text": "Send the prompt as text, in 'prompt'.",
    "error.complete.one_prompt": "{count} prompts were sent; this server completes one prompt per request.",
    "hint.complete.one_prompt": "Send each prompt in its own request.",
    "error.complete.not_supported": "'{field}' is not supported by this server's completions.",
    "hint.complete.not_supported": "Leave '{field}' out.",
    "error.complete.empty_prompt": "The prompt is empty: there is nothing to continue.",
    "error.complete.too_long": "The prompt has {n} tokens, but {name} reads at most {context} in all.",
    "hint.complete.shorten": "Shorten the prompt, or use a model with a longer context.",
    "error.complete.remote": "Completions are not available for remote models ({name}): their servers are sent "
                             "chat requests only.",
    "error.complete.vision": "{name} is a vision model: it answers chats only, not raw prompts.",
    "error.complete.chat_only": "{name} cannot continue a raw prompt: its engine answers chats only.",
    "hint.complete.use_chat": "Use /v1/chat/completions with this model, or a text model on this computer "
                              "(GET /v1/models lists each one's capabilities).",
    "error.complete.no_text": "The completion ended without a result.",
    # (end of completions)
})
