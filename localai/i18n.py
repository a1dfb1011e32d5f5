"""UI strings in English and Russian, and how each request gets its language.

Three kinds of text, three mechanisms:

- Static texts of components (labels, buttons, placeholders, help): ``Translator.ui(key)`` gives a
  ``gr.I18n`` key that the browser translates itself, so the page follows the browser's language.
- Texts made in Python at run time (status lines, warnings): ``Translator(request, key, **values)``,
  in the request's language: ``--lang`` when set, else the browser's ``Accept-Language``.
- Texts that services and backends produce in English (``UserError`` messages and hints, status
  events, the system check's problems): ``translate(text, lang)`` matches them against ``MESSAGES``,
  English templates whose ``{placeholders}`` carry model names, numbers and paths through unchanged.
  Anything not in the table stays English.

``--lang`` forces one language everywhere: both locales of the ``gr.I18n`` get its strings, and the
``ForcedLanguage`` middleware makes the browser report that language (so Gradio's own texts follow)
and rewrites ``Accept-Language`` on every request.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LANGS = ("en", "ru")

# key -> (English, Russian). Keys name where a text is used; {placeholders} must match in both.
STRINGS: dict[str, tuple[str, str]] = {
    # -- page -------------------------------------------------------------------------------------
    "app.heading": ("## LocalAI — private chat and images on this computer",
                    "## LocalAI — личный чат и картинки прямо на этом компьютере"),
    "tab.chat": ("Chat", "Чат"),
    "tab.image": ("Image", "Картинки"),
    "tab.gallery": ("Gallery", "Галерея"),
    "tab.models": ("Models", "Модели"),
    "tab.check": ("System check", "Проверка системы"),
    "common.unload": ("Unload", "Выгрузить"),
    "common.seed": ("Seed (-1 = random)", "Зерно (-1 — случайное)"),
    "common.seed_info": ("The same seed with the same settings gives the same result.",
                         "Одно и то же зерно при тех же настройках даёт тот же результат."),
    "common.unloaded": ("{name} was unloaded; its memory is free.", "Модель {name} выгружена, её память освобождена."),
    "common.not_loaded": ("{name} is not loaded.", "Модель {name} не загружена."),
    "common.waiting_model": ("Waiting for the model...", "Ждём модель..."),
    "common.queued": ("Waiting in line: position {position}.", "Ожидание в очереди: место {position}."),
    "common.loaded": ("Loaded", "Загружена"),
    "common.will_load": ("Will load as", "Будет загружена так"),
    "common.warning": ("Warning", "Внимание"),
    "common.info": ("LocalAI", "LocalAI"),
    "common.yes": ("yes", "да"),
    "common.no": ("no", "нет"),
    "error.unexpected": ("Something went wrong ({name}). The console log has the details.",
                         "Что-то пошло не так ({name}). Подробности — в журнале в консоли."),
    # -- chat tab ----------------------------------------------------------------------------------
    "chat.model": ("Chat model", "Модель для чата"),
    "chat.conversation": ("Conversation", "Диалог"),
    "chat.placeholder": ("Pick a model and say hello.", "Выберите модель и поздоровайтесь."),
    "chat.input": ("Type a message and press Enter", "Напишите сообщение и нажмите Enter"),
    "chat.send": ("Send", "Отправить"),
    "chat.stop": ("Stop", "Остановить"),
    "chat.regenerate": ("Regenerate", "Ответить заново"),
    "chat.clear": ("Clear", "Очистить"),
    "chat.system": ("System prompt", "Системная инструкция"),
    "chat.system_info": ("How the assistant should behave in this conversation.",
                         "Как ассистенту вести себя в этом диалоге."),
    "chat.system_default": ("You are a helpful assistant.", "Ты — полезный ассистент. Отвечай по-русски."),
    "chat.sampling": ("Sampling", "Настройки ответа"),
    "chat.temperature": ("Temperature (0 = always the likeliest word)",
                         "Температура (0 — всегда самое вероятное слово)"),
    "chat.temperature_info": ("Higher: more varied, creative answers. Lower: more predictable ones.",
                              "Выше — ответы разнообразнее и смелее, ниже — предсказуемее."),
    "chat.top_p": ("Top-p", "Top-p"),
    "chat.top_p_info": ("Only the likeliest next words that together make up this share are considered.",
                        "Учитываются только самые вероятные слова, вместе дающие эту долю вероятности."),
    "chat.top_k": ("Top-k (0 = off)", "Top-k (0 — выключено)"),
    "chat.top_k_info": ("Only this many of the likeliest next words are considered.",
                        "Учитывается только столько самых вероятных следующих слов."),
    "chat.max_new": ("Max new tokens", "Максимум новых токенов"),
    "chat.max_new_info": ("The longest answer, in tokens (a token is a word or a part of one).",
                          "Предельная длина ответа в токенах (токен — это слово или часть слова)."),
    "chat.repetition": ("Repetition penalty", "Штраф за повторы"),
    "chat.repetition_info": ("Above 1, the model repeats the same words less often.",
                             "Больше 1 — модель реже повторяет одни и те же слова."),
    "chat.writing": ("Writing...", "Пишет ответ..."),
    "chat.stopping": ("Stopping...", "Останавливаем..."),
    "chat.stopped_before": ("Stopped before the answer started.", "Остановлено до начала ответа."),
    "chat.speed": ("{tokens} tokens · {speed} tokens/s", "Токенов: {tokens} · {speed} ток./с"),
    "chat.stopped": (" · stopped (the partial answer is kept)", " · остановлено (начало ответа сохранено)"),
    "chat.length": (" · reached 'Max new tokens'", " · достигнут предел «Максимум новых токенов»"),
    "chat.empty": ("Type a message first, then press Enter or Send.",
                   "Сначала напишите сообщение, затем нажмите Enter или «Отправить»."),
    "chat.nothing_to_regenerate": ("There is nothing to regenerate yet.", "Пока нет ответа, который можно переписать."),
    # -- conversation sidebar -----------------------------------------------------------------------
    "hist.heading": ("**Conversations**", "**Диалоги**"),
    "hist.new": ("+ New chat", "+ Новый диалог"),
    "hist.search": ("Search conversations", "Поиск по диалогам"),
    "hist.list": ("Your conversations", "Ваши диалоги"),
    "hist.actions": ("Rename, delete, export", "Переименовать, удалить, сохранить"),
    "hist.title": ("Title", "Название"),
    "hist.rename": ("Rename", "Переименовать"),
    "hist.delete": ("Delete…", "Удалить…"),
    "hist.confirm": ("Yes, delete it", "Да, удалить"),
    "hist.keep": ("Keep it", "Не удалять"),
    "hist.export_md": ("Export Markdown", "Сохранить в Markdown"),
    "hist.export_json": ("Export JSON", "Сохранить в JSON"),
    "hist.import": ("Import JSON (ours or ChatGPT)", "Импорт JSON (LocalAI или ChatGPT)"),
    "hist.open_first": ("Open a conversation first.", "Сначала откройте диалог."),
    "hist.imported_one": ("Imported 1 conversation.", "Импортирован 1 диалог."),
    "hist.imported": ("Imported {count} conversations.", "Импортировано диалогов: {count}."),
    "hist.date": ("%b %d, %H:%M", "%d.%m, %H:%M"),
    # -- models tab -----------------------------------------------------------------------------------
    "models.detecting": ("Detecting this computer's hardware...", "Определяем оборудование этого компьютера..."),
    "models.offline": ("Offline mode (never use the network)", "Автономный режим (никогда не выходить в интернет)"),
    "models.refresh": ("Refresh", "Обновить"),
    "models.table": ("Models (★ = recommended for this computer; click a row)",
                     "Модели (★ — рекомендуется для этого компьютера; нажмите на строку)"),
    "models.pick": ("Model", "Модель"),
    "models.download": ("Download", "Скачать"),
    "models.stop": ("Stop download", "Остановить скачивание"),
    "models.load": ("Load", "Загрузить"),
    "models.settings": ("Settings for this model", "Настройки этой модели"),
    "models.device": ("Device", "Устройство"),
    "models.device_info": ("auto uses the GPU when there is one.", "auto — видеокарта, если она есть."),
    "models.dtype": ("Precision", "Точность вычислений"),
    "models.dtype_info": ("auto picks the best for this device; lower precision uses less memory.",
                          "auto выбирает лучшее для устройства; меньшая точность занимает меньше памяти."),
    "models.quant": ("Quantization", "Квантование (сжатие)"),
    "models.quant_info": ("8-bit and 4-bit need much less memory, at slightly lower quality.",
                          "8 и 4 бита требуют намного меньше памяти при чуть худшем качестве."),
    "models.offload": ("Offload", "Выгрузка в ОЗУ"),
    "models.offload_info": ("Keeps parts of the model in RAM when GPU memory is short (slower).",
                            "Держит части модели в оперативной памяти, если видеопамяти мало (медленнее)."),
    "models.pickle": ("Allow pickle weights (.bin/.ckpt/.pt): they can run code when loaded; "
                      "only for authors you trust",
                      "Разрешить веса pickle (.bin/.ckpt/.pt): при загрузке они могут выполнить код; "
                      "только для авторов, которым вы доверяете"),
    "models.code": ("Trust remote code: run the Python files that come with this model; only for authors you trust",
                    "Доверять коду модели: запускать файлы Python, которые идут с моделью; "
                    "только для авторов, которым вы доверяете"),
    "models.save": ("Save settings", "Сохранить настройки"),
    "models.col.model": ("Model", "Модель"),
    "models.col.kind": ("Kind", "Тип"),
    "models.col.where": ("Where", "Где"),
    "models.col.params": ("Params", "Параметры"),
    "models.col.size": ("Size", "Размер"),
    "models.col.license": ("License", "Лицензия"),
    "models.col.gated": ("Gated", "Закрытая"),
    "models.col.plan": ("Would load as", "Как загрузится"),
    "models.kind.text": ("chat", "чат"),
    "models.kind.image": ("image", "картинки"),
    "models.where.local": ("on disk", "на диске"),
    "models.where.cache": ("HF cache", "кэш HF"),
    "models.where.hub": ("not downloaded", "не скачана"),
    "models.gated_yes": ("yes — needs login", "да — нужен вход"),
    "models.loaded_prefix": ("loaded: ", "загружена: "),
    "models.hardware": ("**This computer:** {tier} · **Device:** {device}  \n"
                        "**Accelerator memory:** {accel} · **RAM:** {ram_free} free of {ram_total}  \n"
                        "**bf16:** {bf16} · **bitsandbytes (8/4-bit):** {bnb} · **Disk free for models:** {disk} · "
                        "**Offline mode:** {offline}",
                        "**Этот компьютер:** {tier} · **Устройство:** {device}  \n"
                        "**Память ускорителя:** {accel} · **ОЗУ:** свободно {ram_free} из {ram_total}  \n"
                        "**bf16:** {bf16} · **bitsandbytes (8/4 бита):** {bnb} · **Свободно на диске для моделей:** "
                        "{disk} · **Автономный режим:** {offline}"),
    "models.cpu_device": ("CPU · {name} ({threads} threads)", "Процессор · {name} (потоков: {threads})"),
    "models.free_of": ("{free} free of {total}", "свободно {free} из {total}"),
    "models.no_accel": ("none (CPU only)", "нет (только процессор)"),
    "models.bnb_works": ("works", "работает"),
    "models.bnb_broken": ("unavailable — {why}", "недоступен — {why}"),
    "models.not_installed": ("not installed", "не установлен"),
    "models.offline_on": ("**on**: nothing is downloaded", "**включён**: ничего не скачивается"),
    "models.offline_off": ("off", "выключен"),
    "models.memory_none": ("**In memory now:** no model is loaded.", "**Сейчас в памяти:** ни одной модели."),
    "models.memory": ("**In memory now:** {models} — about {total} in all.",
                      "**Сейчас в памяти:** {models} — всего около {total}."),
    "models.pick_one": ("Pick a model.", "Выберите модель."),
    "models.on_disk_at": ("on disk at `{path}`", "на диске: `{path}`"),
    "models.not_downloaded": ("not downloaded yet", "ещё не скачана"),
    "models.partial": (" ({size} of an interrupted download is kept; Download continues it)",
                       " (сохранено {size} прерванного скачивания; «Скачать» продолжит его)"),
    "models.facts": ("{kind} model · {params} parameters · {size} · license {license} · {gated} · {where}",
                     "Модель: {kind} · параметров: {params} · {size} · лицензия {license} · {gated} · {where}"),
    "models.size_unknown": ("size unknown", "размер неизвестен"),
    "models.unknown": ("unknown", "неизвестна"),
    "models.gated": ("gated (needs a Hugging Face login)", "закрытая (нужен вход в Hugging Face)"),
    "models.ungated": ("ungated", "открытая"),
    "models.loaded_as": ("Loaded as", "Загружена так"),
    "models.would_load_as": ("Would load as", "Загрузится так"),
    "models.why": ("Why", "Почему"),
    "models.pick_first": ("Pick a model first.", "Сначала выберите модель."),
    "models.saved": ("Settings for {name} saved; they apply from its next load.",
                     "Настройки модели {name} сохранены; они действуют со следующей загрузки."),
    "models.offline_is_on": ("Offline mode is on: LocalAI will not use the network.",
                             "Автономный режим включён: LocalAI не будет выходить в интернет."),
    "models.offline_is_off": ("Offline mode is off: models can be downloaded.",
                              "Автономный режим выключен: модели можно скачивать."),
    "models.pick_download": ("Pick a model to download.", "Выберите модель, которую нужно скачать."),
    "models.starting": ("Starting the download of {name}...", "Начинаем скачивать {name}..."),
    "models.downloading": ("Downloading {name}", "Скачивание {name}"),
    "models.downloading_progress": ("Downloading **{name}**: {progress}", "Скачивание **{name}**: {progress}"),
    "models.download_queued": ("Waiting for another download to finish (position {position}).",
                               "Ждём окончания другого скачивания (место в очереди: {position})."),
    "models.download_stopped_early": ("⏸️ The download was stopped before it started.",
                                      "⏸️ Скачивание остановлено до начала."),
    "models.downloaded": ("✅ Downloaded **{name}** ({size}, {files} files) in {seconds} s to `{path}`. "
                          "It works offline from now on.",
                          "✅ Модель **{name}** скачана ({size}, файлов: {files}) за {seconds} с в `{path}`. "
                          "Теперь она работает без интернета."),
    "models.stopping": ("Stopping the download...", "Останавливаем скачивание..."),
    "models.no_download": ("No download of yours is running.", "Ваших скачиваний сейчас нет."),
    "models.pick_load": ("Pick a model to load.", "Выберите модель, которую нужно загрузить."),
    "models.load_queued": ("Waiting for the model worker (position {position})...",
                           "Ждём своей очереди к моделям (место {position})..."),
    "models.load_stopped": ("Loading was stopped.", "Загрузка остановлена."),
    "models.is_loaded": ("✅ **{name}** is loaded: {plan} — {reason}",
                         "✅ Модель **{name}** загружена: {plan} — {reason}"),
    "models.pick_unload": ("Pick a model to unload.", "Выберите модель, которую нужно выгрузить."),
    # -- image tab ------------------------------------------------------------------------------------
    "image.model": ("Image model", "Модель для картинок"),
    "image.prompt": ("Prompt", "Описание картинки"),
    "image.prompt_placeholder": ("a lighthouse on a cliff at sunset, oil painting",
                                 "например: a lighthouse on a cliff at sunset, oil painting"),
    "image.prompt_info": ("Describe the picture: subject, place, style, light.",
                          "Опишите картинку: что изображено, где, в каком стиле. Лучше по-английски: "
                          "большинство моделей понимают только английский."),
    "image.negative": ("Negative prompt (what to avoid)", "Чего не должно быть на картинке"),
    "image.generate": ("Generate", "Нарисовать"),
    "image.cancel": ("Cancel", "Отменить"),
    "image.cancel_note": ("<small>Cancel stops at the next step: finished images are kept and saved; the one being "
                          "drawn is shown marked 'unfinished' and is not saved.</small>",
                          "<small>«Отменить» останавливает рисование на следующем шаге: готовые картинки "
                          "сохраняются, а недорисованная показывается с пометкой «не закончена» и не "
                          "сохраняется.</small>"),
    "image.gallery": ("Images", "Картинки"),
    "image.reuse": ("♻️ Reuse seed", "♻️ Повторить зерно"),
    "image.random": ("Random", "Случайное"),
    "image.steps": ("Steps", "Шаги"),
    "image.steps_info": ("More steps: more detail, but slower.", "Больше шагов — больше деталей, но дольше."),
    "image.guidance": ("Guidance scale (CFG; 0 for Turbo models)", "Следование описанию (CFG; 0 для Turbo-моделей)"),
    "image.guidance_info": ("How strictly the picture follows the prompt.",
                            "Насколько строго картинка следует описанию."),
    "image.width": ("Width", "Ширина"),
    "image.height": ("Height", "Высота"),
    "image.count": ("Number of images (seed, seed+1, ...)", "Сколько картинок (зерно, зерно+1, ...)"),
    "image.scheduler": ("Scheduler (sampler)", "Планировщик (сэмплер)"),
    "image.scheduler_info": ("How the noise is removed step by step; the default suits most models.",
                             "Способ пошаговой очистки шума; значение по умолчанию подходит большинству моделей."),
    "image.pnginfo": ("PNG info: read the settings of an image", "PNG info: узнать настройки картинки"),
    "image.png_drop": ("Drop a PNG here", "Перетащите сюда PNG"),
    "image.png_parameters": ("Parameters", "Параметры"),
    "image.png_send": ("Send to the form", "Перенести в форму"),
    "image.step": ("Step {step} of {total}{where} · {eta}", "Шаг {step} из {total}{where} · {eta}"),
    "image.which": (" · image {number} of {count}", " · картинка {number} из {count}"),
    "image.eta_s": ("about {seconds} s left", "осталось около {seconds} с"),
    "image.eta_min": ("about {minutes} min left", "осталось около {minutes} мин"),
    "image.caption": ("seed {seed}", "зерно {seed}"),
    "image.caption_unfinished": ("seed {seed} · unfinished (stopped at step {step}), not saved",
                                 "зерно {seed} · не закончена (остановлена на шаге {step}), не сохранена"),
    "image.cancelled_early": ("Cancelled before it started.", "Отменено до начала."),
    "image.cancelled": ("Cancelled. {count} finished image(s) were saved; an image stopped part-way is shown marked "
                        "'unfinished' and was not saved.",
                        "Отменено. Сохранено готовых картинок: {count}; недорисованная картинка показана с пометкой "
                        "«не закончена» и не сохранена."),
    "image.done": ("Done: {count} image(s) in {seconds} s with {sampler}{where} · saved in {folder}",
                   "Готово: картинок — {count}, за {seconds} с, сэмплер {sampler}{where} · сохранено в {folder}"),
    "image.done_on": (" on {plan}", " на {plan}"),
    "image.seed_used": ("Seed used: **{seeds}**", "Использованное зерно: **{seeds}**"),
    "image.stopping": ("Stopping at the next step...", "Останавливаем на следующем шаге..."),
    "image.selected": ("Selected image: seed **{seed}**", "Выбрана картинка: зерно **{seed}**"),
    "image.reuse_first": ("Generate an image first; its seed can then be reused.",
                          "Сначала нарисуйте картинку — потом можно будет повторить её зерно."),
    "image.png_none": ("This PNG has no generation parameters.", "В этом PNG нет параметров генерации."),
    "image.png_loaded_as": ("Loaded as", "Загружена так"),
    "image.png_first": ("Drop a PNG with generation parameters first.",
                        "Сначала перетащите PNG с параметрами генерации."),
    "image.png_model_missing": ("The model '{model}' is not here; the other settings were filled in.",
                                "Модели «{model}» здесь нет; остальные настройки перенесены."),
    # -- gallery tab ----------------------------------------------------------------------------------
    "gallery.day": ("Date", "Дата"),
    "gallery.all_days": ("All dates", "Все даты"),
    "gallery.images": ("Your images", "Ваши картинки"),
    "gallery.reuse": ("Reuse these settings in the Image tab", "Повторить эти настройки на вкладке «Картинки»"),
    "gallery.delete": ("Delete this image…", "Удалить эту картинку…"),
    "gallery.caption": ("{day} · seed {seed}", "{day} · зерно {seed}"),
    "gallery.empty": ("No saved images yet: make some in the Image tab.",
                      "Сохранённых картинок пока нет: нарисуйте их на вкладке «Картинки»."),
    "gallery.no_parameters": ("This image has no saved parameters.", "У этой картинки нет сохранённых параметров."),
    "gallery.model": ("Model", "Модель"),
    "gallery.select_first": ("Select an image first.", "Сначала выберите картинку."),
    "gallery.deleted": ("The image was deleted.", "Картинка удалена."),
    # -- system check ----------------------------------------------------------------------------------
    "check.intro": ("Checks Python, PyTorch, the GPU driver, bitsandbytes, free disk space and the folders, and "
                    "says how to fix each problem it finds. It takes a few seconds.",
                    "Проверяет Python, PyTorch, драйвер видеокарты, bitsandbytes, свободное место на диске и "
                    "папки и подсказывает, как исправить каждую найденную проблему. Занимает несколько секунд."),
    "check.run": ("Check this computer", "Проверить компьютер"),
    "check.running": ("Checking this computer...", "Проверяем компьютер..."),
    "check.queued": ("Waiting for the model worker to finish its job (position {position})...",
                     "Ждём, пока модель закончит текущую работу (место {position})..."),
    "check.ok": ("### ✅ No problems found", "### ✅ Проблем не найдено"),
    "check.found": ("### Problems found: {count}", "### Найдено проблем: {count}"),
    "check.blocker": ("⛔ Blocks running", "⛔ Мешает работе"),
    "check.warning": ("⚠️ Warning", "⚠️ Предупреждение"),
    "check.fix": ("How to fix", "Как исправить"),
    "check.facts": ("This computer", "Этот компьютер"),
    "check.python": ("Python", "Python"),
    "check.python_value": ("{version} ({bits}-bit) on {os}, {path}", "{version} ({bits} бит), {os}, {path}"),
    "check.hardware": ("Hardware", "Оборудование"),
    "check.cpu": ("CPU only: {name}, {threads} threads", "Только процессор: {name}, потоков: {threads}"),
    "check.gpu_memory": ("{device}: {name}, {free} free of {total}", "{device}: {name}, свободно {free} из {total}"),
    "check.ram": ("RAM", "ОЗУ"),
    "check.unknown_hardware": ("unknown ({why})", "неизвестно ({why})"),
    "check.no_torch": ("PyTorch is missing", "PyTorch не установлен"),
    "check.gpu": ("GPU", "Видеокарта"),
    "check.nvidia": ("NVIDIA driver {driver} (CUDA up to {cuda})", "драйвер NVIDIA {driver} (CUDA до {cuda})"),
    "check.amd": ("AMD GPU found", "найдена видеокарта AMD"),
    "check.no_gpu": ("no NVIDIA/AMD GPU found", "видеокарта NVIDIA/AMD не найдена"),
    "check.torch_build": ("PyTorch build {build}; it can use the GPU: {usable}",
                          "сборка PyTorch {build}; видеокарта ей доступна: {usable}"),
    "check.none": ("none", "нет"),
    "check.bnb": ("bitsandbytes (8/4-bit)", "bitsandbytes (8/4 бита)"),
    "check.libraries": ("Libraries", "Библиотеки"),
    "check.missing": ("MISSING", "НЕТ"),
    "check.disk": ("Disk", "Диск"),
    "check.disk_value": ("{free} free for models ({path})", "свободно {free} для моделей ({path})"),
    "check.chat_model": ("Chat model", "Модель для чата"),
    "check.no_default": ("none found (put a model in the models folder or pick one in the Models tab)",
                         "не найдена (положите модель в папку моделей или выберите её на вкладке «Модели»)"),
    "check.console_title": ("LocalAI system check", "Проверка системы LocalAI"),
    "check.console_blocker": ("BLOCKER", "МЕШАЕТ РАБОТЕ"),
    "check.console_warning": ("WARNING", "ПРЕДУПРЕЖДЕНИЕ"),
    "check.console_ok": ("No problems found.", "Проблем не найдено."),
    "check.failed": ("The system check itself failed: {error}. Run ./launch.sh to repair the installation, and "
                     "report this if it persists.",
                     "Сама проверка не удалась: {error}. Запустите ./launch.sh, чтобы исправить установку, и "
                     "сообщите об ошибке, если она повторится."),
}

# Texts that services, backends and the system check write in English -> Russian. Each English side
# is a template: a {placeholder} matches any text (model names, numbers, paths, commands), which is
# itself translated when it is a whole entry here, then put into the Russian side unchanged otherwise.
# The template with the most fixed text wins when several match.
MESSAGES: tuple[tuple[str, str], ...] = (
    # chat and prompts
    ("The message is empty.", "Сообщение пустое."),
    ("Type something to send.", "Напишите что-нибудь, чтобы отправить."),
    ("There is no message to answer.", "Нет сообщения, на которое нужно ответить."),
    ("Type a message first.", "Сначала напишите сообщение."),
    ("Your message is too long for this model: about {n} tokens, but only {budget} fit (context {context} minus "
     "{reserve} tokens kept for the answer).",
     "Сообщение слишком длинное для этой модели: около {n} токенов, а помещается только {budget} (контекст "
     "{context} минус {reserve} токенов, оставленных для ответа)."),
    ("Shorten the message or the system prompt, or lower 'Max new tokens'.",
     "Сократите сообщение или системную инструкцию либо уменьшите «Максимум новых токенов»."),
    ("Unknown message role '{role}'.", "Неизвестная роль сообщения «{role}»."),
    ("Use system, user or assistant.", "Используйте system, user или assistant."),
    ("The conversation is longer than {name} can read at once ({n} tokens): the {k} oldest messages were left out "
     "of its view (the system prompt is kept).",
     "Диалог длиннее, чем {name} может прочитать за раз ({n} токенов): {k} самых старых сообщений модель не видит "
     "(системная инструкция сохранена)."),
    ("Temperature must be between 0 and 2.", "Температура должна быть от 0 до 2."),
    ("Frequency penalty must be between -2 and 2.", "Штраф за частоту слов должен быть от -2 до 2."),
    ("Presence penalty must be between -2 and 2.", "Штраф за уже встречавшиеся слова должен быть от -2 до 2."),
    ("Top-p must be above 0 and at most 1.", "Top-p должен быть больше 0 и не больше 1."),
    ("Top-k must be between 0 (off) and 1000.", "Top-k должен быть от 0 (выключено) до 1000."),
    ("Max new tokens must be between 1 and 32768.", "«Максимум новых токенов» должен быть от 1 до 32768."),
    ("Repetition penalty must be between 0.5 and 3.", "Штраф за повторы должен быть от 0,5 до 3."),
    ("Seed must be -1 (random) or a number from 0 up.", "Зерно должно быть -1 (случайное) или числом от 0 и больше."),
    ("A conversation needs a title.", "У диалога должно быть название."),
    ("Type a name, then press Rename.", "Введите название и нажмите «Переименовать»."),
    # models: names, folders, safety
    ("No chat model was chosen.", "Модель для чата не выбрана."),
    ("No image model was chosen.", "Модель для картинок не выбрана."),
    ("Pick one of: {names}.", "Выберите одну из: {names}."),
    ("Unknown chat model '{name}'.", "Неизвестная модель для чата: «{name}»."),
    ("Unknown image model '{name}'.", "Неизвестная модель для картинок: «{name}»."),
    ("Known chat models: {names}.", "Доступные модели для чата: {names}."),
    ("Known image models: {names}.", "Доступные модели для картинок: {names}."),
    ("{name} is not downloaded yet.", "Модель {name} ещё не скачана."),
    ("Download it in the Models tab, or put a Hugging Face model folder at {path} and press Refresh.",
     "Скачайте её на вкладке «Модели» или положите папку модели Hugging Face в {path} и нажмите «Обновить»."),
    ("The model folder {path} no longer exists.", "Папки модели {path} больше нет."),
    ("Press Refresh in the Models tab, or put the model back.",
     "Нажмите «Обновить» на вкладке «Модели» или верните модель на место."),
    ("The model folder {name} has no config.json.", "В папке модели {name} нет config.json."),
    ("A chat model folder needs config.json, *.safetensors weights and tokenizer files, as downloaded from Hugging "
     "Face.", "В папке модели для чата должны быть config.json, веса *.safetensors и файлы токенизатора — как при "
     "скачивании с Hugging Face."),
    ("The config.json in {name} is broken ({error}).", "Файл config.json в {name} повреждён ({error})."),
    ("Download the model again or fix the file.", "Скачайте модель заново или исправьте файл."),
    ("The model folder {name} has no weights (*.safetensors).", "В папке модели {name} нет весов (*.safetensors)."),
    ("Copy the model's .safetensors files into it.", "Скопируйте в неё файлы .safetensors этой модели."),
    ("The model folder {name} has no tokenizer (tokenizer.json or tokenizer.model).",
     "В папке модели {name} нет токенизатора (tokenizer.json или tokenizer.model)."),
    ("Copy the tokenizer files of this model into the folder.", "Скопируйте в папку файлы токенизатора этой модели."),
    ("The model folder '{path}' has no readable weights (*.safetensors), so its size is unknown.",
     "В папке модели «{path}» нет читаемых весов (*.safetensors), поэтому её размер неизвестен."),
    ("'{name}' has no readable weights (*.safetensors), so its size is unknown.",
     "У «{name}» нет читаемых весов (*.safetensors), поэтому её размер неизвестен."),
    ("Copy the model's .safetensors files into the folder, then press Refresh.",
     "Скопируйте файлы .safetensors модели в папку, затем нажмите «Обновить»."),
    ("The size of '{name}' is unknown: no readable .safetensors weights were found.",
     "Размер «{name}» неизвестен: читаемые веса .safetensors не найдены."),
    ("Check that the model folder holds its *.safetensors files.",
     "Проверьте, что в папке модели есть её файлы *.safetensors."),
    ("The model in {name} only has pickle weights ({files}), which can run code when loaded.",
     "У модели в {name} есть только веса pickle ({files}), а они при загрузке могут выполнить чужой код."),
    ("Use a safetensors version of this model, or opt in to pickle files for this model in the Models tab.",
     "Возьмите версию этой модели в формате safetensors или разрешите для неё pickle на вкладке «Модели»."),
    ("The model in '{folder}' needs to run its own Python code ({files}), which could do anything on this computer.",
     "Модели в «{folder}» нужно запускать собственный код на Python ({files}), а он может сделать на этом "
     "компьютере что угодно."),
    ("Use a model that transformers supports directly, or, if you trust its authors, tick 'Trust remote code' for "
     "this model in the Models tab.",
     "Возьмите модель, которую transformers поддерживает напрямую, или, если доверяете её авторам, включите "
     "«Доверять коду модели» для неё на вкладке «Модели»."),
    ("The tokenizer files (tokenizer.json, tokenizer_config.json) in '{folder}' could not be read: {error}",
     "Не удалось прочитать файлы токенизатора (tokenizer.json, tokenizer_config.json) в «{folder}»: {error}"),
    ("Copy this model's tokenizer files again from its download.", "Скопируйте файлы токенизатора этой модели заново."),
    ("Could not load the model in '{folder}': {error}", "Не удалось загрузить модель из «{folder}»: {error}"),
    ("Check that the folder is a complete Hugging Face model (config.json, *.safetensors, tokenizer files) and that "
     "its files are not damaged.",
     "Проверьте, что в папке полная модель Hugging Face (config.json, *.safetensors, файлы токенизатора) и что "
     "файлы не повреждены."),
    ("Could not load the image model '{source}': {error}", "Не удалось загрузить модель картинок «{source}»: {error}"),
    ("Check that it is a complete diffusers folder (model_index.json and each component's files) or an SD 1.x / "
     "SDXL .safetensors checkpoint.",
     "Проверьте, что это полная папка diffusers (model_index.json и файлы каждого компонента) или файл SD 1.x / "
     "SDXL в формате .safetensors."),
    ("The image model folder '{folder}' has no model_index.json.",
     "В папке модели картинок «{folder}» нет model_index.json."),
    ("An image model folder must be a diffusers folder as downloaded from Hugging Face, or put a single .safetensors "
     "checkpoint in the image folder instead.",
     "Папка модели картинок должна быть папкой diffusers, как при скачивании с Hugging Face, — или положите в "
     "папку image один файл .safetensors."),
    ("The model_index.json in '{folder}' is broken ({error}).",
     "Файл model_index.json в «{folder}» повреждён ({error})."),
    ("Download the model again.", "Скачайте модель заново."),
    ("The '{component}' of {name} only has pickle weights, which can run code when loaded.",
     "У компонента «{component}» модели {name} есть только веса pickle, а они при загрузке могут выполнить код."),
    ("Use a safetensors version of this model.", "Возьмите версию этой модели в формате safetensors."),
    ("'{file}' is a pickle checkpoint, which can run code when loaded.",
     "«{file}» — файл в формате pickle, при загрузке он может выполнить код."),
    ("Use the .safetensors version of this model (most models offer one).",
     "Возьмите версию этой модели в .safetensors (она есть у большинства моделей)."),
    ("'{file}' is {what}: only SD 1.x and SDXL checkpoints load from a single file.",
     "«{file}» — это {what}: из одного файла загружаются только SD 1.x и SDXL."),
    ("Put the model's diffusers folder (with model_index.json) at {path} instead.",
     "Вместо него положите папку diffusers этой модели (с model_index.json) в {path}."),
    # memory
    ("{name} ({params}) does not fit for {width}x{height} images: this computer has {vram} free GPU memory and "
     "{ram} free RAM.",
     "{name} ({params}) не помещается в память для картинок {width}x{height}: на этом компьютере свободно {vram} "
     "видеопамяти и {ram} оперативной памяти."),
    ("{name} ({params}) does not fit for {width}x{height} images: this computer has {ram} free RAM.",
     "{name} ({params}) не помещается в память для картинок {width}x{height}: на этом компьютере свободно {ram} "
     "оперативной памяти."),
    ("{name} ({params}) does not fit: even {what} needs about {need}, and this computer has {vram} free GPU memory "
     "and {ram} free RAM.",
     "{name} ({params}) не помещается в память: даже в варианте {what} нужно около {need}, а на этом компьютере "
     "свободно {vram} видеопамяти и {ram} оперативной памяти."),
    ("{name} ({params}) does not fit: even {what} needs about {need}, and this computer has {ram} free RAM.",
     "{name} ({params}) не помещается в память: даже в варианте {what} нужно около {need}, а на этом компьютере "
     "свободно {ram} оперативной памяти."),
    ("Try a smaller model such as {name} ({params}), or close other programs to free memory.",
     "Попробуйте модель поменьше, например {name} ({params}), или закройте другие программы, чтобы освободить "
     "память."),
    ("Close other programs to free memory, or use a computer with more memory.",
     "Закройте другие программы, чтобы освободить память, или используйте компьютер с большим объёмом памяти."),
    ("Try a smaller image size, or a smaller model such as {name}, and close other programs to free memory.",
     "Уменьшите размер картинки или возьмите модель поменьше, например {name}, и закройте другие программы, "
     "чтобы освободить память."),
    ("Try a smaller image size, and close other programs to free memory.",
     "Уменьшите размер картинки и закройте другие программы, чтобы освободить память."),
    ("Ran out of memory while loading {name} ({plan}).", "Не хватило памяти при загрузке {name} ({plan})."),
    ("The memory was freed. Try 4-bit quantization in the Models tab, close other programs, or pick a smaller model.",
     "Память освобождена. Попробуйте 4-битное квантование на вкладке «Модели», закройте другие программы или "
     "выберите модель поменьше."),
    ("The memory was freed. Choose offload 'model' or 'sequential' in the Models tab, close other programs, or pick "
     "a smaller model.",
     "Память освобождена. Выберите выгрузку «model» или «sequential» на вкладке «Модели», закройте другие программы "
     "или выберите модель поменьше."),
    ("Ran out of memory while writing the answer.", "Не хватило памяти, пока писался ответ."),
    ("The memory was freed. Lower 'Max new tokens', start a new conversation, or use 4-bit quantization or a smaller "
     "model.",
     "Память освобождена. Уменьшите «Максимум новых токенов», начните новый диалог или используйте 4-битное "
     "квантование либо модель поменьше."),
    ("Ran out of memory while drawing a {width}x{height} image with {name}.",
     "Не хватило памяти, чтобы нарисовать картинку {width}x{height} моделью {name}."),
    ("The memory was freed and the model stays loaded. Try a smaller size or fewer images, or choose offload "
     "'model' in the Models tab.",
     "Память освобождена, модель осталась загруженной. Уменьшите размер или число картинок либо выберите выгрузку "
     "«model» на вкладке «Модели»."),
    # load settings
    ("Unknown {name} '{value}'.", "Неизвестное значение {name}: «{value}»."),
    ("Choose one of: {choices}.", "Выберите одно из: {choices}."),
    ("{quant} needs bitsandbytes, which does not work here {why}.",
     "Для режима {quant} нужен bitsandbytes, а он здесь не работает {why}."),
    ("Set quantization to auto or none.", "Выберите квантование auto или none."),
    ("Offload '{offload}' is for image models.", "Выгрузка «{offload}» — только для моделей картинок."),
    ("For chat models use auto, none or device_map.", "Для моделей чата выберите auto, none или device_map."),
    ("Offloading with device_map needs a CUDA, ROCm or XPU GPU.",
     "Для выгрузки device_map нужна видеокарта с CUDA, ROCm или XPU."),
    ("Set offload to auto or none.", "Выберите выгрузку auto или none."),
    ("Device '{device}' was asked for, but this computer has no such GPU.",
     "Выбрано устройство «{device}», но такой видеокарты на этом компьютере нет."),
    ("Set device to auto or cpu.", "Выберите устройство auto или cpu."),
    ("Image models cannot be split with device_map.", "Модели картинок нельзя разделять через device_map."),
    ("Choose offload 'model' (one component at a time on the GPU) or 'sequential'.",
     "Выберите выгрузку «model» (на видеокарте по одному компоненту) или «sequential»."),
    # images
    ("The prompt is empty.", "Описание картинки пустое."),
    ("Describe the picture you want, e.g. 'a red fox in the snow'.",
     "Опишите картинку, которую хотите получить, например: «a red fox in the snow» (рыжая лиса в снегу)."),
    ("The prompt is too long (more than 4000 characters).", "Описание слишком длинное (больше 4000 символов)."),
    ("Shorten it.", "Сократите его."),
    ("Seed must be -1 (random) or a whole number from 0 to {max}.",
     "Зерно должно быть -1 (случайное) или целым числом от 0 до {max}."),
    ("Use -1 for a new random seed, or the seed shown under an earlier image.",
     "Укажите -1 для нового случайного зерна или зерно, показанное под одной из прошлых картинок."),
    ("Number of images must be between 1 and {max} (got {value}).",
     "Число картинок должно быть от 1 до {max} (указано {value})."),
    ("Ask for fewer images per run; each one can be made again from its seed.",
     "Просите меньше картинок за раз: любую можно нарисовать заново по её зерну."),
    ("Steps must be between 1 and {max} (got {value}).", "Число шагов должно быть от 1 до {max} (указано {value})."),
    ("20-30 steps suit most models; Turbo models need only 1-4.",
     "Большинству моделей подходит 20–30 шагов, Turbo-моделям хватает 1–4."),
    ("Guidance scale must be between 0 and {max} (got {value}).",
     "«Следование описанию» должно быть от 0 до {max} (указано {value})."),
    ("5-8 suits most models; Turbo models use 0.", "Большинству моделей подходит 5–8, Turbo-моделям — 0."),
    ("Unknown scheduler '{name}'.", "Неизвестный планировщик «{name}»."),
    ("Width {value} px does not work with {family} models.", "Ширина {value} пикс. не подходит для моделей {family}."),
    ("Height {value} px does not work with {family} models.", "Высота {value} пикс. не подходит для моделей {family}."),
    ("Use a multiple of {multiple} from {min} to {max} px ({size} px is this model's native size).",
     "Укажите число, кратное {multiple}, от {min} до {max} пикс. (родной размер этой модели — {size} пикс.)."),
    ("{family} models take at most {max} steps (got {value}).",
     "Модели {family} допускают не больше {max} шагов (указано {value})."),
    ("{steps} is the usual number.", "Обычно ставят {steps}."),
    ("The scheduler '{name}' does not work with {family} models.",
     "Планировщик «{name}» не работает с моделями {family}."),
    ("The scheduler '{name}' does not work with {model}.", "Планировщик «{name}» не работает с {model}."),
    ("{name} does not use a negative prompt; it was ignored.",
     "Модель {name} не использует «чего не должно быть»; это поле не учтено."),
    ("This file is not a readable image ({error}).", "Этот файл — не читаемая картинка ({error})."),
    ("Drop a PNG made by LocalAI or Stable Diffusion WebUI.",
     "Перетащите PNG, созданный LocalAI или Stable Diffusion WebUI."),
    # the worker
    ("The server is shutting down.", "Сервер завершает работу."),
    ("Try again in a moment.", "Попробуйте ещё раз чуть позже."),
    ("The server is busy: {count} jobs are already waiting.", "Сервер занят: в очереди уже задач — {count}."),
    ("Try again in a minute.", "Попробуйте ещё раз через минуту."),
    ("Something went wrong: {error}", "Что-то пошло не так: {error}"),
    ("The console log has the details; please report it if it repeats.",
     "Подробности — в журнале в консоли; если ошибка повторится, сообщите о ней."),
    # downloads
    ("LocalAI was started with --offline, so it stays offline.",
     "LocalAI запущен с --offline, поэтому работает без интернета."),
    ("Restart it without --offline to download models.", "Чтобы скачивать модели, перезапустите его без --offline."),
    ("Offline mode is on, so {name} cannot be downloaded.", "Включён автономный режим, поэтому {name} не скачать."),
    ("Restart LocalAI without --offline to download it, or copy the model folder into the models folder and press "
     "Refresh.", "Перезапустите LocalAI без --offline, чтобы скачать её, или скопируйте папку модели в папку "
     "моделей и нажмите «Обновить»."),
    ("Switch off 'Offline mode' in the Models tab to download it, or copy the model folder into the models folder "
     "and press Refresh.", "Выключите «Автономный режим» на вкладке «Модели», чтобы скачать её, или скопируйте "
     "папку модели в папку моделей и нажмите «Обновить»."),
    ("{name} has no Hugging Face repository to download from.",
     "У {name} нет репозитория на Hugging Face, откуда её можно скачать."),
    ("It is already a local model.", "Это уже локальная модель."),
    ("a chat model", "модель для чата"),
    ("an image model", "модель для картинок"),
    ("{repo} is {kind}, not {other}.", "{repo} — это {kind}, а не {other}."),
    ("Pick it from the other list.", "Выберите её в другом списке."),
    ("{name} is only published as pickle weights ({files}), which can run code on this computer when loaded.",
     "Модель {name} опубликована только с весами pickle ({files}), а они при загрузке могут выполнить код на этом "
     "компьютере."),
    ("Pick a model with .safetensors weights, or, if you trust its authors, tick 'Allow pickle weights' for this "
     "model in the Models tab and download again.",
     "Выберите модель с весами .safetensors или, если доверяете её авторам, включите «Разрешить веса pickle» для "
     "неё на вкладке «Модели» и скачайте снова."),
    ("{repo} on Hugging Face has no weights LocalAI can use.",
     "У {repo} на Hugging Face нет весов, которые LocalAI может использовать."),
    ("Pick another model from the list.", "Выберите другую модель из списка."),
    ("{name} is already on this computer ({path}).", "Модель {name} уже есть на этом компьютере ({path})."),
    ("Load it, no download needed.", "Просто загрузите её — скачивать не нужно."),
    ("{name} is already being downloaded.", "Модель {name} уже скачивается."),
    ("Wait for that download to finish.", "Дождитесь окончания этого скачивания."),
    ("{name} is already in {path}.", "Модель {name} уже лежит в {path}."),
    ("Press Refresh to see it; delete that folder first to download it again.",
     "Нажмите «Обновить», чтобы её увидеть; чтобы скачать заново, сначала удалите эту папку."),
    ("Not enough disk space for {name}: it needs {need} more{already}, but only {free} is free in {path}.",
     "Не хватает места на диске для {name}: нужно ещё {need}{already}, а в {path} свободно только {free}."),
    (" ({have} is already downloaded)", " (уже скачано {have})"),
    ("Free some space (and empty the trash), or start LocalAI with --models-dir on a disk with more room.",
     "Освободите место (и очистите корзину) или запустите LocalAI с --models-dir на диске, где места больше."),
    ("The download of {name} was stopped.", "Скачивание {name} остановлено."),
    ("What was downloaded is kept: press Download again to continue from there.",
     "Скачанное сохранено: нажмите «Скачать» ещё раз, чтобы продолжить с того же места."),
    ("{name} is gated, and your Hugging Face account has not been given access to it yet.",
     "Модель {name} закрытая, и вашей учётной записи Hugging Face ещё не дали к ней доступ."),
    ("Open {page}, accept its license while logged in (approval can take a while), then press Download again.",
     "Откройте {page}, войдите и примите её лицензию (одобрение может занять время), затем снова нажмите «Скачать»."),
    ("{name} is gated: its authors only allow downloads after you accept their license on Hugging Face.",
     "Модель {name} закрытая: авторы разрешают скачивать её только после того, как вы примете их лицензию на "
     "Hugging Face."),
    ("1) Open {page} and accept the license while logged in. 2) Create a 'read' token at {tokens}. 3) In a terminal "
     "run `hf auth login` and paste it (or set the HF_TOKEN environment variable). 4) Restart LocalAI and press "
     "Download again. Or pick an ungated model.",
     "1) Откройте {page}, войдите и примите лицензию. 2) Создайте токен с правом «read» на {tokens}. 3) В терминале "
     "выполните `hf auth login` и вставьте его (или задайте переменную окружения HF_TOKEN). 4) Перезапустите LocalAI "
     "и снова нажмите «Скачать». Или выберите открытую модель."),
    ("{name} cannot be downloaded: the HF_HUB_OFFLINE environment variable is set.",
     "Модель {name} не скачать: задана переменная окружения HF_HUB_OFFLINE."),
    ("Unset HF_HUB_OFFLINE (or switch 'Offline mode' off in the Models tab) and try again.",
     "Уберите HF_HUB_OFFLINE (или выключите «Автономный режим» на вкладке «Модели») и попробуйте снова."),
    ("{repo} was not found on Hugging Face ({host}), or it is private.",
     "{repo} не найдена на Hugging Face ({host}) или это закрытый репозиторий."),
    ("Check the name; for a private model log in with `hf auth login` and restart LocalAI.",
     "Проверьте название; для закрытой модели войдите через `hf auth login` и перезапустите LocalAI."),
    ("Hugging Face ({host}) answered with an error (HTTP {status}) while downloading {name}.",
     "Hugging Face ({host}) ответил ошибкой (HTTP {status}) при скачивании {name}."),
    ("Try again in a few minutes; finished files are kept.",
     "Попробуйте снова через несколько минут; уже скачанные файлы сохранены."),
    ("Could not reach Hugging Face ({host}) to download {name}: {error}.",
     "Не удалось связаться с Hugging Face ({host}), чтобы скачать {name}: {error}."),
    ("Check the internet connection (and proxy settings), then press Download again; what was downloaded is kept. "
     "Or copy the model folder from another computer into {path} and press Refresh.",
     "Проверьте подключение к интернету (и настройки прокси) и снова нажмите «Скачать»; скачанное сохранится. Или "
     "скопируйте папку модели с другого компьютера в {path} и нажмите «Обновить»."),
    ("The disk filled up while downloading {name}.", "Диск заполнился во время скачивания {name}."),
    ("Free some space, then press Download again to continue.",
     "Освободите место и снова нажмите «Скачать», чтобы продолжить."),
    ("A file of {name} arrived incomplete.", "Файл модели {name} скачался не полностью."),
    ("Press Download again; it continues from what was received.",
     "Нажмите «Скачать» ещё раз: скачивание продолжится с того же места."),
    ("Downloading {name} failed ({error}).", "Не удалось скачать {name} ({error})."),
    ("Downloading {name} failed: {error}", "Не удалось скачать {name}: {error}"),
    ("Press Download again; the console log has the details.",
     "Нажмите «Скачать» ещё раз; подробности — в журнале в консоли."),
    ("The console log has the details; press Download again to retry.",
     "Подробности — в журнале в консоли; нажмите «Скачать», чтобы попробовать снова."),
    # status lines from loading and downloading
    ("Asking Hugging Face for the files of {name}...", "Запрашиваем у Hugging Face список файлов {name}..."),
    ("Checking {path}...", "Проверяем {path}..."),
    ("{files} files, {size}; left out {skipped} files not needed",
     "файлов: {files}, {size}; лишних файлов пропущено: {skipped}"),
    ("{files} files, {size}", "файлов: {files}, {size}"),
    ("{done} of {total} ({percent}) · {speed} MB/s · {eta} left · file {number} of {count}: {file}",
     "{done} из {total} ({percent}) · {speed} МБ/с · осталось {eta} · файл {number} из {count}: {file}"),
    ("{done} of {total} ({percent}) · {speed} MB/s · file {number} of {count}: {file}",
     "{done} из {total} ({percent}) · {speed} МБ/с · файл {number} из {count}: {file}"),
    ("Reloading {name} with your new settings...", "Перезагружаем {name} с новыми настройками..."),
    ("Unloaded {names} to make room.", "Выгружено, чтобы освободить место: {names}."),
    ("Loading the tokenizer of {name}...", "Загружаем токенизатор {name}..."),
    ("Loading the weights of {name} ({plan})...", "Загружаем веса {name} ({plan})..."),
    ("Placing {name} on {device}...", "Переносим {name} на {device}..."),
    ("Loading {name}: {plan} ({reason})", "Загружаем {name}: {plan} ({reason})"),
    ("Loading {name} ({plan})...", "Загружаем {name} ({plan})..."),
    ("Downloading {name}: {plan}.", "Скачиваем {name}: {plan}."),
    ("{name} is ready.", "Модель {name} готова."),
    # hardware tiers
    ("CPU only", "Только процессор"),
    ("GPU with up to 6 GB", "Видеокарта до 6 GB"),
    ("GPU with 8-12 GB", "Видеокарта на 8–12 GB"),
    ("GPU with 16-24 GB", "Видеокарта на 16–24 GB"),
    ("GPU with more than 24 GB", "Видеокарта больше 24 GB"),
    # the system check (localai/doctor.py)
    ("Python {version} is not supported: LocalAI needs Python 3.10 to 3.13.",
     "Python {version} не поддерживается: LocalAI нужен Python от 3.10 до 3.13."),
    ("This Python ({path}) is 32-bit; PyTorch needs 64-bit Python.",
     "Этот Python ({path}) 32-битный, а PyTorch нужен 64-битный Python."),
    ("Install 64-bit Python 3.11 or 3.12 from https://www.python.org/downloads/ (Ubuntu/Debian: {apt}; macOS: "
     "{brew}), delete the .venv folder, then run ./launch.sh again (or {again}).",
     "Установите 64-битный Python 3.11 или 3.12 с https://www.python.org/downloads/ (Ubuntu/Debian: {apt}; macOS: "
     "{brew}), удалите папку .venv и снова запустите ./launch.sh (или {again})."),
    ("PyTorch is installed but does not start: {error}", "PyTorch установлен, но не запускается: {error}"),
    ("PyTorch is not installed.", "PyTorch не установлен."),
    ("Delete the .venv folder and run {command} again; it installs the right PyTorch for your computer.",
     "Удалите папку .venv и снова запустите {command}: он установит подходящий для вашего компьютера PyTorch."),
    ("Run {command}: it installs the right PyTorch for your computer.",
     "Запустите {command}: он установит подходящий для вашего компьютера PyTorch."),
    ("Required libraries are missing: {names}.", "Не хватает нужных библиотек: {names}."),
    ("Run {command}: it installs everything in requirements.txt (or: {pip}).",
     "Запустите {command}: он установит всё из requirements.txt (или: {pip})."),
    ("The hardware could not be detected ({error}).", "Не удалось определить оборудование ({error})."),
    ("Run {command} to repair the installation.", "Запустите {command}, чтобы исправить установку."),
    ("Your NVIDIA GPU is not used: the installed PyTorch ({version}) is {kind}, so everything runs slowly on the "
     "processor.", "Ваша видеокарта NVIDIA не используется: установленный PyTorch ({version}) — {kind}, поэтому "
     "всё медленно работает на процессоре."),
    ("a CPU-only build", "сборка только для процессора"),
    ("built for {build}, not CUDA", "сборка для {build}, а не для CUDA"),
    ("Install the CUDA build of PyTorch: {how}.", "Установите сборку PyTorch с CUDA: {how}."),
    ("Your AMD GPU is not used: the installed PyTorch ({version}) is not the ROCm build, so everything runs slowly "
     "on the processor.", "Ваша видеокарта AMD не используется: установленный PyTorch ({version}) — не сборка для "
     "ROCm, поэтому всё медленно работает на процессоре."),
    ("Install the ROCm build of PyTorch: {how}.", "Установите сборку PyTorch с ROCm: {how}."),
    ("delete the file {path}, then run: {command}", "удалите файл {path}, затем выполните: {command}"),
    ("Your NVIDIA driver ({driver}) is too old for the installed PyTorch: it supports CUDA up to {max}, PyTorch was "
     "built for CUDA {built}. PyTorch still sees the GPU, but some operations may fail.",
     "Драйвер NVIDIA ({driver}) слишком старый для установленного PyTorch: он поддерживает CUDA до {max}, а PyTorch "
     "собран для CUDA {built}. PyTorch пока видит видеокарту, но некоторые операции могут не работать."),
    ("Your NVIDIA driver ({driver}) is too old for the installed PyTorch: it supports CUDA up to {max}, PyTorch was "
     "built for CUDA {built}. PyTorch cannot use the GPU, so LocalAI runs slowly on the processor.",
     "Драйвер NVIDIA ({driver}) слишком старый для установленного PyTorch: он поддерживает CUDA до {max}, а PyTorch "
     "собран для CUDA {built}. PyTorch не может использовать видеокарту, поэтому LocalAI медленно работает на "
     "процессоре."),
    ("Update the NVIDIA driver ({url}) and restart the computer.",
     "Обновите драйвер NVIDIA ({url}) и перезагрузите компьютер."),
    ("Update the NVIDIA driver ({url}) and restart the computer.{alternative}",
     "Обновите драйвер NVIDIA ({url}) и перезагрузите компьютер.{alternative}"),
    (" Or install an older CUDA build of PyTorch: delete the .venv folder, then run: {command}.",
     " Или установите сборку PyTorch для более старой CUDA: удалите папку .venv, затем выполните: {command}."),
    ("PyTorch cannot use your NVIDIA GPU (torch.cuda.is_available() is False), so LocalAI runs slowly on the "
     "processor.", "PyTorch не может использовать вашу видеокарту NVIDIA (torch.cuda.is_available() — False), "
     "поэтому LocalAI медленно работает на процессоре."),
    ("Update the NVIDIA driver ({url}) and restart the computer; check that `nvidia-smi` lists the GPU. If it still "
     "fails, {how}.", "Обновите драйвер NVIDIA ({url}) и перезагрузите компьютер; проверьте, что `nvidia-smi` "
     "показывает видеокарту. Если не поможет — {how}."),
    ("PyTorch cannot use your AMD GPU, so LocalAI runs slowly on the processor.",
     "PyTorch не может использовать вашу видеокарту AMD, поэтому LocalAI медленно работает на процессоре."),
    ("Check that `rocminfo` lists your GPU (ROCm driver installed), and add yourself to the render and video groups: "
     "{command}, then log out and in again. Some Radeon cards also need HSA_OVERRIDE_GFX_VERSION.",
     "Проверьте, что `rocminfo` показывает видеокарту (драйвер ROCm установлен), и добавьте себя в группы render и "
     "video: {command}, затем выйдите из системы и войдите снова. Некоторым картам Radeon нужна ещё переменная "
     "HSA_OVERRIDE_GFX_VERSION."),
    ("bitsandbytes does not work on your GPU ({why}): large models cannot be loaded in 8-bit or 4-bit, so fewer "
     "models fit in GPU memory.", "bitsandbytes не работает на вашей видеокарте ({why}): большие модели нельзя "
     "загрузить в 8 или 4 бита, поэтому в видеопамять помещается меньше моделей."),
    ("Reinstall it: {command}; then run the check again.", "Переустановите его: {command}; затем повторите проверку."),
    ("The disk is almost full: {free} GB free in the models folder ({path}).",
     "Диск почти заполнен: в папке моделей ({path}) свободно {free} GB."),
    ("Free some disk space (empty the trash, delete large unused files), or put models on another disk with "
     "--models-dir D.", "Освободите место на диске (очистите корзину, удалите большие ненужные файлы) или храните "
     "модели на другом диске: --models-dir D."),
    ("Not enough disk space to download {name}: it needs {need} GB, and the models folder ({path}) has {free} GB "
     "free.", "Не хватает места, чтобы скачать {name}: нужно {need} GB, а в папке моделей ({path}) свободно "
     "{free} GB."),
    ("Free some disk space, put models on another disk with --models-dir D, or choose a smaller chat model with "
     "--text-model NAME.", "Освободите место на диске, храните модели на другом диске (--models-dir D) или "
     "выберите модель для чата поменьше (--text-model NAME)."),
    ("LocalAI cannot write to its models folder: {path}.", "LocalAI не может записывать в папку моделей: {path}."),
    ("LocalAI cannot write to its data folder: {path}.", "LocalAI не может записывать в папку данных: {path}."),
    ("LocalAI cannot write to its outputs folder: {path}.", "LocalAI не может записывать в папку картинок: {path}."),
    ("Give your user write permission to {path} (Linux/macOS: {command}), or use another folder with {flag} D.",
     "Дайте своему пользователю право записи в {path} (Linux/macOS: {command}) или укажите другую папку: {flag} D."),
    ("Port {port} on {host} is already in use (another program, or LocalAI already running).",
     "Порт {port} на {host} уже занят (другой программой или уже запущенным LocalAI)."),
    ("Nothing to do: LocalAI will use the next free port. To choose one, pass --port {port} (or close the other "
     "program).", "Делать ничего не нужно: LocalAI возьмёт следующий свободный порт. Чтобы выбрать порт самому, "
     "укажите --port {port} (или закройте другую программу)."),
    ("The chat model cannot be loaded: {problem}", "Модель для чата не загрузится: {problem}"),
    ("Choose another chat model.", "Выберите другую модель для чата."),
)

# Phrases swapped inside load-plan lines ("cpu · fp32 · no quantization", "CPU only: 0.1M x 4 B = ... fits in
# 20 GB free RAM -> fp32 (fastest on CPU)") and other short technical texts. Longer phrases first.
PHRASES: tuple[tuple[str, str], ...] = (
    ("sequential CPU offload, layer by layer, and VAE tiling (works, but very slow)",
     "последовательная выгрузка в ОЗУ, слой за слоем, и тайлинг VAE (работает, но очень медленно)"),
    ("with model CPU offload: one component at a time on the GPU",
     "с выгрузкой в ОЗУ: на видеокарте по одному компоненту"),
    ("applies only to FLUX / SD3-class transformers, so it is not used",
     "применяется только к трансформерам FLUX / SD3, поэтому не используется"),
    ("image transformers need an NVIDIA or AMD GPU, so it is not used",
     "для трансформеров картинок нужна видеокарта NVIDIA или AMD, поэтому не используется"),
    ("expect an out-of-memory error", "возможна ошибка нехватки памяти"),
    ("with model CPU offload", "с выгрузкой в ОЗУ"),
    ("offload does nothing on the CPU", "на процессоре выгрузка ничего не даёт"),
    ("split between GPU and RAM", "разделена между видеокартой и ОЗУ"),
    ("split between GPU and", "разделена между видеокартой и"),
    ("one component at a time", "по одному компоненту"),
    ("CPU (your choice): ", "процессор (ваш выбор): "),
    ("CPU only: ", "только процессор: "),
    ("your choice: ", "ваш выбор: "),
    ("(fastest on CPU)", "(так быстрее всего на процессоре)"),
    ("fastest on CPU", "так быстрее всего на процессоре"),
    ("(slower than fp32)", "(медленнее, чем fp32)"),
    ("bf16 is slower", "bf16 медленнее"),
    ("fp32 would need", "для fp32 нужно"),
    ("free unified memory", "свободной общей памяти"),
    ("free VRAM", "свободной видеопамяти"),
    ("free RAM", "свободной ОЗУ"),
    ("working memory", "рабочей памяти"),
    ("may not fit", "может не поместиться"),
    ("does not fit", "не помещается"),
    (" fits in ", " помещается в "),
    ("transformer in 4-bit NF4", "трансформер в 4 бита NF4"),
    ("the rest ", "остальное "),
    (" on the GPU", " на видеокарте"),
    ("(largest: ", "(самый большой: "),
    ("VAE tiling", "тайлинг VAE"),
    ("no quantization", "без квантования"),
    ("8-bit (int8)", "8 бит (int8)"),
    ("4-bit NF4", "4 бита NF4"),
    ("offload: ", "выгрузка: "),
    ("bitsandbytes unavailable", "bitsandbytes недоступен"),
    ("(slow)", "(медленно)"),
    (" params x ", " параметров x "),
    (" params in ", " параметров в "),
    ("; even ", "; даже "),
)


# --- picking the language -------------------------------------------------------------------------

def normalize(lang: str | None) -> str:
    """"ru", "ru-RU", "RU_ru" -> "ru"; anything else -> "en"."""
    return "ru" if (lang or "").strip().lower()[:2] == "ru" else "en"


def language_from_header(header: str | None) -> str:
    """The browser's first choice in an ``Accept-Language`` header (highest q wins, as browsers send it)."""
    best, best_q = "", -1.0
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and tag != "*" and q > best_q:
            best, best_q = tag, q
    return normalize(best)


def language_from_environment(environ: Mapping[str, str]) -> str:
    """The console's language, as POSIX programs pick it: LC_ALL, then LC_MESSAGES, then LANG."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(name):
            return normalize(environ[name])
    return "en"


def language_of(request: Any, forced: str | None = None) -> str:
    """``--lang`` when set, else the request's ``Accept-Language`` (English without a request)."""
    if forced:
        return normalize(forced)
    headers = getattr(request, "headers", None)
    return language_from_header(headers.get("accept-language") if headers is not None else None)


# --- static strings -------------------------------------------------------------------------------

def text(lang: str, key: str, **values: Any) -> str:
    """The string ``key`` in ``lang``, with its {placeholders} filled in."""
    english, russian = STRINGS[key]
    template = russian if normalize(lang) == "ru" else english
    return template.format(**values) if values else template


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def gradio_translations(forced: str | None = None) -> dict[str, dict[str, str]]:
    """The ``gr.I18n`` tables. With ``forced``, every locale shows that language."""
    tables = {lang: {key: pair[i] for key, pair in STRINGS.items()} for i, lang in enumerate(LANGS)}
    if forced:
        chosen = tables[normalize(forced)]
        tables = {lang: dict(chosen) for lang in LANGS}
    return tables


def gradio_i18n(forced: str | None = None) -> Any:
    import gradio as gr  # noqa: PLC0415

    return gr.I18n(**gradio_translations(forced))


# --- texts from services, backends and the system check ----------------------------------------------

@functools.lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The templates as regular expressions, the most specific (most fixed text) first, so that
    "{name} is already in {path}." never takes "Port 7860 ... is already in use (...)."."""
    out = []
    for english, russian in MESSAGES:
        parts = re.split(r"\{(\w+)\}", english)
        pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*?)" for i, p in enumerate(parts))
        fixed = sum(len(p) for p in parts[::2])
        out.append((fixed, re.compile(pattern + r"\Z", re.DOTALL), russian))
    out.sort(key=lambda item: -item[0])
    return tuple((pattern, russian) for _, pattern, russian in out)


def _swap_phrases(text_: str) -> str:
    for english, russian in PHRASES:
        text_ = text_.replace(english, russian)
    return text_


def _translate_ru(message: str, depth: int = 0) -> str | None:
    """The Russian of one whole English message, or None when no template matches it."""
    for pattern, russian in _compiled():
        m = pattern.match(message)
        if m is None:
            continue
        values = {}
        for name, value in m.groupdict().items():
            inner = _translate_ru(value, depth + 1) if depth < 3 and value.strip() else None
            values[name] = inner if inner is not None else _swap_phrases(value)
        return russian.format(**values)
    return None


def translate(message: str, lang: str) -> str:
    """A message written in English by a service or backend, in ``lang``; unknown ones stay English."""
    if normalize(lang) != "ru" or not message:
        return message
    leading = message[: len(message) - len(message.lstrip())]
    core = message.strip()
    for prefix in ("⚠️ ", "✅ ", "⏸️ "):  # the UI's own markers
        if core.startswith(prefix):
            leading, core = leading + prefix, core[len(prefix):]
    done = _translate_ru(core)
    if done is None:  # a message and its hint in one string (``str(UserError)``): split after a sentence
        for m in re.finditer(r"[.!?)] ", core):
            first = _translate_ru(core[: m.start() + 1])
            if first is not None:
                done = f"{first} {translate(core[m.end():], lang)}"
                break
    return leading + done if done is not None else message


def translate_plan(line: str, lang: str) -> str:
    """A load plan ("cpu · fp32 · no quantization") or its reason, with its common phrases in ``lang``."""
    return _swap_phrases(line) if normalize(lang) == "ru" else line


def translate_error(exc: BaseException, lang: str) -> str:
    """A ``UserError`` (message, then hint) in ``lang``; anything else as its plain text."""
    message, hint = getattr(exc, "message", None), getattr(exc, "hint", "")
    if message is None:
        return translate(str(exc), lang)
    return f"{translate(message, lang)} {translate(hint, lang) if hint else ''}".strip()


# --- what the tabs use --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Translator:
    """Bound to ``--lang`` (None: each request's browser language)."""

    forced: str | None = None

    def lang(self, request: Any) -> str:
        return language_of(request, self.forced)

    def __call__(self, who: Any, key: str, **values: Any) -> str:
        """``key`` in the language of ``who``: a gr.Request, or a language code."""
        return text(who if isinstance(who, str) else self.lang(who), key, **values)

    def ui(self, key: str) -> Any:
        """A static text of a component, translated by the browser (``gr.I18n``)."""
        if key not in STRINGS:
            raise KeyError(key)
        from gradio.i18n import I18nData  # noqa: PLC0415

        return I18nData(key)

    def msg(self, who: Any, message: str) -> str:
        """A text a service wrote in English, in the language of ``who``."""
        return translate(message, who if isinstance(who, str) else self.lang(who))

    def warning(self, who: Any, message: str) -> None:
        """``gr.Warning`` with its title in the language of ``who``."""
        import gradio as gr  # noqa: PLC0415

        gr.Warning(message, title=self(who, "common.warning"))

    def info(self, who: Any, message: str) -> None:
        import gradio as gr  # noqa: PLC0415

        gr.Info(message, title=self(who, "common.info"))


# Gradio 6.31 titles its pop-ups with their kind in English ("Warning", "Error"), whatever title is
# passed; the page's <html lang> follows its locale, so CSS puts the Russian titles in their place.
TOAST_TITLES_CSS = "".join(
    f"html[lang^=ru] .toast-title.{kind} {{ font-size: 0; }}\n"
    f"html[lang^=ru] .toast-title.{kind}::before {{ content: '{title}'; font-size: var(--text-lg); }}\n"
    for kind, title in (("warning", "Внимание"), ("error", "Ошибка"), ("info", "Сообщение"), ("success", "Готово")))


# --- forcing one language: the ASGI middleware that app.py installs for --lang ------------------------

class ForcedLanguage:
    """Makes every request look as if the browser asked for ``lang``: rewrites ``Accept-Language``,
    and adds a script to the page that makes ``navigator.language`` report ``lang`` before Gradio
    picks its locale (so Gradio's own texts, e.g. the login page, follow too)."""

    def __init__(self, app: Callable, lang: str) -> None:
        self.app = app
        self.lang = normalize(lang)
        self.header = b"ru-RU,ru;q=0.9" if self.lang == "ru" else b"en-US,en;q=0.9"
        self.script = ("<script>(()=>{const l=%r;try{Object.defineProperty(Navigator.prototype,'language',"
                       "{get:()=>l,configurable:true});Object.defineProperty(Navigator.prototype,'languages',"
                       "{get:()=>[l],configurable:true});}catch(e){}})();</script>"
                       % ("ru-RU" if self.lang == "ru" else "en-US")).encode()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-language"]
        scope = {**scope, "headers": [*headers, (b"accept-language", self.header)]}
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self._inject(send))

    def _inject(self, send: Callable) -> Callable:
        """Buffer an HTML response and put the script right after ``<head>``; pass others through."""
        start: dict | None = None
        chunks: list[bytes] = []

        async def wrapped(message: dict) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                if b"text/html" in headers.get(b"content-type", b"") and b"content-encoding" not in headers:
                    start = message
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            at = body.find(b"<head>")
            if at >= 0:
                body = body[: at + 6] + self.script + body[at + 6:]
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        return wrapped


def language_middleware(forced: str | None) -> Sequence[Any]:
    """What app.py adds to ``launch(app_kwargs={"middleware": ...})``: nothing unless ``--lang`` is set."""
    if not forced:
        return []
    from starlette.middleware import Middleware  # noqa: PLC0415

    return [Middleware(ForcedLanguage, lang=forced)]
