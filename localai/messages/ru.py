"""Russian: the same keys as en.py, with the same ``{placeholders}``."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

TEXTS: Mapping[str, str] = MappingProxyType({
    # -- app ----------------------------------------------------------------------------------------
    "app.heading": "## LocalAI — личный чат и картинки прямо на этом компьютере",
    "app.theme": "◐ Светлая / тёмная",
    # -- tab ----------------------------------------------------------------------------------------
    "tab.chat": "Чат",
    "tab.image": "Картинки",
    "tab.gallery": "Галерея",
    "tab.models": "Модели",
    "tab.check": "Проверка системы",
    # -- common -------------------------------------------------------------------------------------
    "common.unload": "Выгрузить",
    "common.seed": "Зерно (-1 — случайное)",
    "common.seed_info": "Одно и то же зерно при тех же настройках даёт тот же результат.",
    "common.unloaded": "Модель {name} выгружена, её память освобождена.",
    "common.not_loaded": "Модель {name} не загружена.",
    "common.waiting_model": "Ждём модель...",
    "common.queued": "Ожидание в очереди: место {position}.",
    "common.loaded": "Загружена",
    "common.will_load": "Будет загружена так",
    "common.warning": "Внимание",
    "common.info": "LocalAI",
    "common.yes": "да",
    "common.no": "нет",
    "error.unexpected": "Что-то пошло не так ({name}). Подробности — в журнале в консоли.",
    "hint.choose_one": "Выберите одно из: {choices}.",
    # -- chat ---------------------------------------------------------------------------------------
    "chat.model": "Модель для чата",
    "chat.conversation": "Диалог",
    "chat.placeholder": "Выберите модель и поздоровайтесь.",
    "chat.input": "Напишите сообщение и нажмите Enter",
    "chat.send": "Отправить",
    "chat.stop": "Остановить",
    "chat.new": "Новый диалог",
    "chat.settings": "Настройки",
    "chat.settings_close": "Закрыть настройки",
    "chat.plan_why": "Как загружена",
    "chat.model_ready": "готова",
    "chat.model_will_load": "загрузится с первым сообщением",
    "chat.system": "Системная инструкция",
    "chat.system_info": "Как ассистенту вести себя в этом диалоге.",
    "chat.system_default": "Ты — полезный ассистент. Отвечай по-русски.",
    "chat.sampling": "Настройки ответа",
    "chat.temperature": "Температура (0 — всегда самое вероятное слово)",
    "chat.temperature_info": "Выше — ответы разнообразнее и смелее, ниже — предсказуемее.",
    "chat.top_p": "Top-p",
    "chat.top_p_info": "Учитываются только самые вероятные слова, вместе дающие эту долю вероятности.",
    "chat.top_k": "Top-k (0 — выключено)",
    "chat.top_k_info": "Учитывается только столько самых вероятных следующих слов.",
    "chat.max_new": "Максимум новых токенов",
    "chat.max_new_info": "Предельная длина ответа в токенах (токен — это слово или часть слова).",
    "chat.repetition": "Штраф за повторы",
    "chat.repetition_info": "Больше 1 — модель реже повторяет одни и те же слова.",
    "chat.writing": "Пишет ответ...",
    "chat.stopping": "Останавливаем...",
    "chat.stopped_before": "Остановлено до начала ответа.",
    "chat.speed": "Токенов: {tokens} · {speed} ток./с",
    "chat.stopped": " · остановлено (начало ответа сохранено)",
    "chat.length": " · достигнут предел «Максимум новых токенов»",
    "chat.empty": "Сначала напишите сообщение, затем нажмите Enter или «Отправить».",
    "chat.nothing_to_regenerate": "Пока нет ответа, который можно переписать.",
    "error.chat.unknown_role": "Неизвестная роль сообщения «{role}».",
    "hint.chat.roles": "Используйте system, user, assistant или tool.",
    "error.chat.nothing_to_answer": "Нет сообщения, на которое нужно ответить.",
    "hint.chat.type_first": "Сначала напишите сообщение.",
    "error.chat.too_long": (
        "Сообщение слишком длинное для этой модели: около {n} токенов, а помещается только {budget} "
        "(контекст {context} минус {reserve} токенов, оставленных для ответа)."
    ),
    "hint.chat.shorten": "Сократите сообщение или системную инструкцию либо уменьшите «Максимум новых токенов».",
    "error.chat.empty_message": "Сообщение пустое.",
    "hint.chat.type_something": "Напишите что-нибудь, чтобы отправить.",
    "notice.messages_left_out": (
        "Диалог длиннее, чем {name} может прочитать за раз ({n} токенов): {k} самых старых сообщений модель "
        "не видит (системная инструкция сохранена)."
    ),
    "error.chat.template_refused": "Шаблон чата модели {name} отказался принять этот диалог: {reason}",
    "hint.chat.template_refused": (
        "Отправьте простой диалог из реплик пользователя и ассистента или выберите другую модель."
    ),
    # -- preset -------------------------------------------------------------------------------------
    "preset.picker": "Набор настроек",
    "preset.picker_info": "Системная инструкция и настройки генерации под одним именем: выберите набор, чтобы подставить их.",
    "preset.precise": "Точный",
    "preset.precise_system": (
        "Ты — внимательный и точный ассистент. Отвечай ровно на заданный вопрос, ясно и кратко. "
        "Если не уверен, так и скажи; никогда не выдумывай факты, имена и числа. Отвечай по-русски."
    ),
    "preset.balanced": "Сбалансированный",
    "preset.creative": "Творческий",
    "preset.creative_system": (
        "Ты — творческий ассистент с богатым воображением. Предлагай яркие, оригинальные идеи, "
        "разнообразные формулировки и не бойся неожиданных поворотов. Отвечай по-русски."
    ),
    "preset.reset": "Сбросить к настройкам модели",
    "preset.delete": "Удалить набор…",
    "preset.ask_delete": "Удалить ваш набор «{name}»? Отменить это нельзя.",
    "preset.confirm_delete": "Да, удалить",
    "preset.keep": "Не удалять",
    "preset.pick_own": "Сначала выберите один из своих наборов: встроенные удалить нельзя.",
    "preset.name": "Имя набора",
    "preset.name_placeholder": "Имя для этих настроек",
    "preset.save": "Сохранить как набор",
    "preset.ask_replace": "У вас уже есть набор «{name}». Заменить его этими настройками?",
    "preset.replace": "Заменить",
    "preset.keep_old": "Оставить прежний",
    "preset.saved": "Набор «{name}» сохранён.",
    "preset.replaced": "Набор «{name}» заменён.",
    "preset.deleted": "Набор «{name}» удалён.",
    "preset.reset_done": "Настройки возвращены к значениям модели {model}.",
    "preset.reset_page": "Настройки возвращены к значениям страницы по умолчанию.",
    "preset.file_damaged": (
        "Сохранённые наборы в {path} не удалось прочитать (файл повреждён). Он сохранён как {backup}; "
        "новые наборы запишутся в новый файл."
    ),
    "preset.entries_skipped": (
        "Не удалось прочитать сохранённых наборов в {path}: {count}; они пропущены. Весь файл скопирован в {backup}."
    ),
    "preset.file_not_set_aside": (
        "Сохранённые наборы в {path} не удалось прочитать, а сам файл — отложить в сторону ({error}). "
        "Сохранение наборов отключено, пока файл не исправят или не удалят."
    ),
    "error.preset.no_name": "У набора нет имени.",
    "hint.preset.type_name": "Введите имя в поле «Имя набора» и нажмите «Сохранить как набор».",
    "error.preset.name_too_long": "Имя набора длиной {value} символов; помещается не больше {max}.",
    "hint.preset.shorter_name": "Выберите имя покороче.",
    "error.preset.builtin_name": "«{name}» — имя встроенного набора.",
    "hint.preset.other_name": "Выберите для своего набора другое имя.",
    "error.preset.system_too_long": "Системная инструкция длиной {value} символов; в набор помещается не больше {max}.",
    "hint.preset.shorter_system": "Сократите системную инструкцию.",
    "error.preset.too_many": "У вас сохранено {max} наборов — это предел.",
    "hint.preset.delete_some": "Удалите ненужный набор или сохраните под именем существующего, чтобы заменить его.",
    "error.preset.exists": "У вас уже есть набор «{name}».",
    "hint.preset.exists": "Замените его или выберите другое имя.",
    "error.preset.not_found": "Набора «{name}» нет.",
    "hint.preset.pick": "Выберите набор из списка.",
    "error.preset.builtin_delete": "Встроенные наборы удалить нельзя.",
    "hint.preset.builtin_delete": "Удалить можно только свои сохранённые наборы.",
    "error.preset.unreadable": "LocalAI не может прочитать файл наборов {path} ({error}).",
    "hint.preset.unreadable": "Разрешите своему пользователю чтение этого файла или уберите его, чтобы начать без сохранённых наборов.",
    "error.preset.file_kept": "Сохранение наборов отключено: файл наборов {path} повреждён, и его не удалось отложить в сторону.",
    "hint.preset.file_kept": "Исправьте или удалите этот файл, затем перезапустите LocalAI.",
    # -- hist ---------------------------------------------------------------------------------------
    "hist.heading": "**Диалоги**",
    "hist.new": "+ Новый диалог",
    "hist.search": "Поиск по диалогам",
    "hist.list": "Ваши диалоги",
    "hist.actions": "Переименовать, удалить, сохранить",
    "hist.title": "Название",
    "hist.rename": "Переименовать",
    "hist.delete": "Удалить…",
    "hist.confirm": "Да, удалить",
    "hist.keep": "Не удалять",
    "hist.export_md": "Сохранить в Markdown",
    "hist.export_json": "Сохранить в JSON",
    "hist.import": "Импорт JSON (LocalAI или ChatGPT)",
    "hist.open_first": "Сначала откройте диалог.",
    "hist.imported_one": "Импортирован 1 диалог.",
    "hist.imported": "Импортировано диалогов: {count}.",
    "hist.date": "%d.%m, %H:%M",
    "error.history.newer_schema": "База истории {path} создана более новой версией LocalAI (схема {version}).",
    "hint.history.update": "Обновите LocalAI или уберите этот файл, чтобы начать новую историю.",
    "error.history.not_found": "Такого диалога нет, или он не ваш.",
    "hint.history.pick": "Выберите диалог из своего списка.",
    "error.history.no_title": "У диалога должно быть название.",
    "hint.history.type_title": "Введите название и нажмите «Переименовать».",
    "error.history.no_such_message": "Этого сообщения в диалоге уже нет (номер {index}).",
    "hint.history.reopen": "Откройте диалог заново из списка; ничего не изменено.",
    "hist.edited_title": "{title} (изменён)",
    "hist.branch_note": "Изменённая версия диалога «{title}» с сообщения {number}; прежняя осталась в списке диалогов.",
    "hist.branch_note_gone": "Изменённая версия диалога, который потом удалили.",
    "error.import.bad_file": "Этот файл не импортировать: {why}.",
    "hint.import.choose_file": (
        "Выберите экспорт диалога LocalAI (.json) или conversations.json из ChatGPT. Ничего не изменено."
    ),
    "import.why.no_message_list": "в диалоге нет списка сообщений",
    "import.why.bad_message": "у сообщения нет правильной роли и текста",
    "import.why.no_mapping": "в диалоге ChatGPT нет поля «mapping»",
    "import.why.bad_node": "узел сообщения ChatGPT повреждён",
    "import.why.too_large": "он больше {mb} МБ",
    "import.why.not_json": "это не файл JSON",
    "import.why.too_deep": "списки и объекты в нём вложены глубже, чем на {max} уровней",
    "import.why.bad_document": "у одного из документов в нём нет имени или страниц с текстом",
    "import.why.empty": "в нём нет диалогов",
    "import.why.not_a_list": "это не список диалогов",
    "import.why.unknown_format": "это не экспорт LocalAI и не conversations.json из ChatGPT",
    # -- models -------------------------------------------------------------------------------------
    "models.detecting": "Определяем оборудование этого компьютера...",
    "models.offline": "Автономный режим (никогда не выходить в интернет)",
    "models.refresh": "Обновить",
    "models.table": "Модели (★ — рекомендуется для этого компьютера; нажмите на строку)",
    "models.pick": "Модель",
    "models.download": "Скачать",
    "models.stop": "Остановить скачивание",
    "models.load": "Загрузить",
    "models.settings": "Настройки этой модели",
    "models.device": "Устройство",
    "models.device_info": "auto — видеокарта, если она есть.",
    "models.dtype": "Точность вычислений",
    "models.dtype_info": "auto выбирает лучшее для устройства; меньшая точность занимает меньше памяти.",
    "models.quant": "Квантование (сжатие)",
    "models.quant_info": "8 и 4 бита требуют намного меньше памяти при чуть худшем качестве.",
    "models.offload": "Выгрузка в ОЗУ",
    "models.offload_info": "Держит части модели в оперативной памяти, если видеопамяти мало (медленнее).",
    "models.pickle": (
        "Разрешить веса pickle (.bin/.ckpt/.pt): при загрузке они могут выполнить код; только для авторов, "
        "которым вы доверяете"
    ),
    "models.code": (
        "Доверять коду модели: запускать файлы Python, которые идут с моделью; только для авторов, которым "
        "вы доверяете"
    ),
    "models.save": "Сохранить настройки",
    "models.col.model": "Модель",
    "models.col.kind": "Тип",
    "models.col.where": "Где",
    "models.col.params": "Параметры",
    "models.col.size": "Размер",
    "models.col.license": "Лицензия",
    "models.col.gated": "Закрытая",
    "models.col.plan": "Как загрузится",
    "models.kind.text": "чат",
    "models.kind.image": "картинки",
    "models.where.local": "на диске",
    "models.where.cache": "кэш HF",
    "models.where.hub": "не скачана",
    "models.gated_yes": "да — нужен вход",
    "models.loaded_prefix": "загружена: ",
    "models.hardware": (
        "**Этот компьютер:** {tier} · **Устройство:** {device}  \n**Память ускорителя:** {accel} · **ОЗУ:** "
        "свободно {ram_free} из {ram_total}  \n**bf16:** {bf16} · **bitsandbytes (8/4 бита):** {bnb} · "
        "**Свободно на диске для моделей:** {disk} · **Автономный режим:** {offline}"
    ),
    "models.cpu_device": "Процессор · {name} (потоков: {threads})",
    "models.free_of": "свободно {free} из {total}",
    "models.no_accel": "нет (только процессор)",
    "models.bnb_works": "работает",
    "models.bnb_broken": "недоступен — {why}",
    "models.not_installed": "не установлен",
    "models.offline_on": "**включён**: ничего не скачивается",
    "models.offline_off": "выключен",
    "models.memory_none": "**Сейчас в памяти:** ни одной модели.",
    "models.memory": "**Сейчас в памяти:** {models} — всего около {total}.",
    "models.pick_one": "Выберите модель.",
    "models.on_disk_at": "на диске: `{path}`",
    "models.not_downloaded": "ещё не скачана",
    "models.partial": " (сохранено {size} прерванного скачивания; «Скачать» продолжит его)",
    "models.facts": "Модель: {kind} · параметров: {params} · {size} · лицензия {license} · {gated} · {where}",
    "models.size_unknown": "размер неизвестен",
    "models.size_gguf": "{size} · файл GGUF {quant}",
    "models.unknown": "неизвестна",
    "models.gated": "закрытая (нужен вход в Hugging Face)",
    "models.ungated": "открытая",
    "models.loaded_as": "Загружена так",
    "models.would_load_as": "Загрузится так",
    "models.why": "Почему",
    "models.pick_first": "Сначала выберите модель.",
    "models.saved": "Настройки модели {name} сохранены; они действуют со следующей загрузки.",
    "models.offline_is_on": "Автономный режим включён: LocalAI не будет выходить в интернет.",
    "models.offline_is_off": "Автономный режим выключен: модели можно скачивать.",
    "models.pick_download": "Выберите модель, которую нужно скачать.",
    "models.starting": "Начинаем скачивать {name}...",
    "models.downloading": "Скачивание {name}",
    "models.downloading_progress": "Скачивание **{name}**: {progress}",
    "models.download_queued": "Ждём окончания другого скачивания (место в очереди: {position}).",
    "models.download_stopped_early": "⏸️ Скачивание остановлено до начала.",
    "models.downloaded": (
        "✅ Модель **{name}** скачана ({size}, файлов: {files}) за {seconds} с в `{path}`. Теперь она "
        "работает без интернета."
    ),
    "models.stopping": "Останавливаем скачивание...",
    "models.no_download": "Ваших скачиваний сейчас нет.",
    "models.pick_load": "Выберите модель, которую нужно загрузить.",
    "models.load_queued": "Ждём своей очереди к моделям (место {position})...",
    "models.load_stopped": "Загрузка остановлена.",
    "models.is_loaded": "✅ Модель **{name}** загружена: {plan} — {reason}",
    "models.pick_unload": "Выберите модель, которую нужно выгрузить.",
    "status.loading_tokenizer": "Загружаем токенизатор {name}...",
    "status.loading_weights": "Загружаем веса {name} ({plan})...",
    "status.ready": "Модель {name} готова.",
    "status.one_at_a_time": "{name} отвечает на запросы по одному: {reason}.",
    "batching.bitsandbytes": "квантование bitsandbytes не работает с пакетной обработкой",
    "batching.offload": "её веса разнесены по устройствам (device_map)",
    "batching.mps": "на видеокартах Apple (MPS) пакетная обработка не используется",
    "batching.attention": "её механизм внимания ({attention}) не работает с пакетной обработкой",
    "batching.unavailable": "пакетная обработка для неё недоступна ({error})",
    "status.loading_image_model": "Загружаем {name} ({plan})...",
    "status.placing": "Переносим {name} на {device}...",
    "status.unloaded_for_room": "Выгружено, чтобы освободить место: {names}.",
    "status.loading": "Загружаем {name}: {plan} ({reason})",
    "status.reloading": "Перезагружаем {name} с новыми настройками...",
    "tier.cpu": "Только процессор",
    "tier.6gb": "Видеокарта до 6 GB",
    "tier.12gb": "Видеокарта на 8–12 GB",
    "tier.24gb": "Видеокарта на 16–24 GB",
    "tier.48gb": "Видеокарта больше 24 GB",
    # -- remote (the core: servers, client, routing) -----------------------------------------------
    "error.remote.bad_name": "«{name}» не годится как имя сервера.",
    "hint.remote.name_rules": "Используйте от 1 до 32 латинских букв, цифр, точек, дефисов или подчёркиваний, "
                              "например pc2 или gpu-server.",
    "error.remote.bad_url": "«{url}» — не адрес сервера, который LocalAI может использовать.",
    "hint.remote.url_form": "Укажите его как http://адрес:порт, например http://192.168.1.20:11434 (Ollama) или "
                            "http://gpu-box:8000/v1 (vLLM).",
    "error.remote.bad_flag": "--remote {entry} — не в виде ИМЯ=URL.",
    "hint.remote.flag_form": "Напишите --remote pc2=http://192.168.1.20:11434, а ключ — --remote-key pc2=КЛЮЧ.",
    "error.remote.bad_key_flag": "--remote-key нужно указывать как ИМЯ=КЛЮЧ.",
    "hint.remote.key_flag_form": "Напишите --remote-key pc2=КЛЮЧ, с именем сервера из --remote.",
    "error.remote.key_without_server": "--remote-key {name}: такого сервера нет среди --remote.",
    "error.remote.duplicate": "Сервер с именем {name} уже есть.",
    "hint.remote.other_name": "Выберите другое имя или сначала удалите тот сервер.",
    "error.remote.too_many": "Можно добавить не больше {max} серверов.",
    "hint.remote.remove_one": "Сначала удалите сервер, которым больше не пользуетесь.",
    "error.remote.unknown_server": "Сервера с именем {server} нет.",
    "hint.remote.known_servers": "Добавленные серверы: {names}.",
    "error.remote.from_flag": "{server} задан в командной строке (--remote), поэтому здесь его не удалить.",
    "hint.remote.from_flag": "Запустите LocalAI без --remote {server}=..., чтобы убрать его.",
    "error.remote.disabled": "Удалённые серверы выключены (--no-remotes).",
    "hint.remote.disabled": "Запустите LocalAI без --no-remotes, чтобы ими пользоваться.",
    "error.remote.unreachable": "Сервер {server} ({url}) недоступен: {error}.",
    "hint.remote.unreachable": "Проверьте, что он запущен и что этот компьютер до него достаёт (адрес, порт, "
                               "брандмауэр). Ollama отвечает только своему компьютеру, если не запущена с "
                               "OLLAMA_HOST=0.0.0.0.",
    "error.remote.wrong_key": "Сервер {server} ({url}) не принял ключ (HTTP {status}).",
    "hint.remote.wrong_key": "Укажите ключ, который ждёт этот сервер: во вкладке «Модели» (Подключения) или через "
                             "--remote-key {server}=КЛЮЧ.",
    "error.remote.model_gone": "На сервере {server} больше нет модели {model}.",
    "hint.remote.model_gone": "Выберите другую модель; список моделей будет прочитан с сервера заново.",
    "error.remote.timeout": "Сервер {server} ({url}) не ответил за {seconds} с.",
    "hint.remote.timeout": "Возможно, он занят или перегружен: попробуйте ещё раз или выберите модель на другом "
                           "сервере.",
    "error.remote.bad_reply": "Сервер {server} ({url}) ответил не в формате OpenAI ({detail}).",
    "hint.remote.bad_reply": "Проверьте, что адрес ведёт к API, совместимому с OpenAI (обычно он кончается на "
                             "/v1): vLLM, Ollama, llama-server из llama.cpp или другой LocalAI.",
    "error.remote.failed": "Сервер {server} выдал ошибку (HTTP {status}): {error}.",
    "error.remote.failed_stream": "Сервер {server} сообщил об ошибке: {error}.",
    "hint.remote.failed": "Попробуйте ещё раз; если ошибка повторяется, посмотрите журнал того сервера.",
    "error.remote.refused": "Сервер {server} отклонил запрос: {error}",
    "hint.remote.refused": "Измените то, о чём он пишет (короче разговор, другая настройка), и попробуйте снова.",
    "error.remote.dropped": "Сервер {server} ({url}) перестал отвечать посреди ответа: {error}.",
    "hint.remote.dropped": "Уже полученная часть ответа сохранена. Нажмите «Повторить», когда сервер вернётся.",
    "error.remote.no_server": "Сейчас ни на одном удалённом сервере нет модели {model}.",
    "hint.remote.add_server": "Выберите другую модель или добавьте сервер с ней во вкладке «Модели» (Подключения).",
    "error.remote.none_answering": "Модель {model} есть на {servers}, но сейчас ни один из них не отвечает "
                                   "({problem}).",
    "hint.remote.none_answering": "Проверьте, что сервер запущен; LocalAI снова станет им пользоваться, как только "
                                  "он ответит.",
    "remote.not_checked": "ещё не проверен",
    "status.remote_asking": "Спрашиваем {server} ({name})...",
    "plan.remote": "работает на {servers}, другом компьютере: здесь память не занята",
    "plan.describe_remote": "на {servers}",
    "access.remotes": "добавлять и удалять удалённые серверы",
    # -- connections (the Models tab's Connections section) ------------------------------------------
    "conn.heading": "### Подключения: модели на других компьютерах",
    "conn.intro": "Серверы с API OpenAI: vLLM, Ollama, сервер llama.cpp или другой LocalAI. Их модели появляются "
                  "в списке моделей чата с именем сервера; больше никуда не обращаемся.",
    "conn.off": "Удалённые серверы выключены: LocalAI запущен с `--no-remotes`. Чтобы пользоваться моделями на "
                "других компьютерах, запустите его без `--no-remotes`, затем добавьте серверы здесь или флагом "
                "`--remote NAME=URL`.",
    "conn.table": "Серверы",
    "conn.col.name": "Сервер",
    "conn.col.url": "Адрес",
    "conn.col.state": "Состояние",
    "conn.col.models": "Модели",
    "conn.col.latency": "Задержка",
    "conn.col.in_flight": "Запросов сейчас",
    "conn.col.key": "Ключ",
    "conn.state.unchecked": "ещё не проверен",
    "conn.state.up": "✅ доступен",
    "conn.state.down": "❌ недоступен: {why}",
    "conn.no_models": "нет моделей",
    "conn.image_model": "{id} (картинки)",
    "conn.more_models": "{models} и ещё {count}",
    "conn.from_flag": "{name} (--remote, при запуске)",
    "conn.latency": "{ms} мс",
    "conn.key_set": "🔑 задан",
    "conn.key_none": "—",
    "conn.none": "Серверов пока нет. Добавьте сервер ниже или запустите LocalAI с `--remote NAME=URL`.",
    "conn.summary": "Серверов: {count}, доступно: {up}.",
    "conn.pick": "Сервер",
    "conn.test": "Проверить",
    "conn.remove": "Удалить",
    "conn.refresh": "Обновить",
    "conn.name": "Имя",
    "conn.name_placeholder": "pc2 (буквы, цифры, - _ .)",
    "conn.url": "Адрес",
    "conn.url_placeholder": "http://192.168.1.20:11434 (с /v1 или без)",
    "conn.key": "Ключ (необязательно)",
    "conn.key_placeholder": "уходит только этому серверу, нигде не показывается",
    "conn.add": "Добавить сервер",
    "conn.added": "Сервер {name} добавлен: доступен, моделей: {count}, {ms} мс.",
    "conn.tested": "Сервер {name} доступен: моделей: {count}, {ms} мс.",
    "conn.is_down": "Сервером {name} сейчас нельзя пользоваться: {why}",
    "conn.removed": "Сервер {name} удалён, его модели больше не в списке.",
    "conn.need_name": "Дайте серверу короткое имя (например, pc2).",
    "conn.need_url": "Укажите адрес сервера (например, http://192.168.1.20:11434).",
    "conn.pick_first": "Сначала выберите сервер в списке.",
    "conn.manage_only": "🔒 Добавлять и удалять серверы может администратор ({admin}) или страница, открытая на "
                        "этом же компьютере.",
    # -- remote images --------------------------------------------------------------------------------
    "status.remote_image.drawing": "{server} рисует моделью {name}… (удалённый сервер не показывает шаги: картинки "
                                   "придут все сразу)",
    "image.remote_plan": "Рисует другой компьютер: **{name}** на {servers}. Шагов не видно: сервер присылает все "
                         "картинки сразу.",
    "image.done_on_server": " на {servers}",
    "error.remote_image.no_route": "Сервер {server} ({url}) не рисует картинки: у него нет "
                                   "/v1/images/generations.",
    "error.remote_image.no_images": "Сервер {server} ({url}) ответил без единой картинки.",
    "error.remote_image.no_b64": "Сервер {server} ({url}) прислал ссылки вместо картинок.",
    "error.remote_image.not_an_image": "Сервер {server} ({url}) прислал картинку, которую не удаётся прочитать.",
    "hint.remote_image.is_image_server": "Рисуйте на сервере, который умеет POST /v1/images/generations с "
                                         "картинками в base64 (например, на другом LocalAI), или выберите другую "
                                         "модель.",
    "hint.remote_image.refused": "Измените настройку, о которой он пишет (размер, шаги, guidance), и нарисуйте снова.",
    "hint.remote_image.dropped": "Ничего не сохранено. Нарисуйте снова, когда сервер вернётся, или выберите другую "
                                 "модель.",
    # -- image --------------------------------------------------------------------------------------
    "image.model": "Модель для картинок",
    "image.prompt": "Описание картинки",
    "image.prompt_placeholder": "например: a lighthouse on a cliff at sunset, oil painting",
    "image.negative": "Чего не должно быть на картинке",
    "image.generate": "Нарисовать",
    "image.cancel": "Отменить",
    "image.cancel_note": (
        "<small>«Отменить» (или Esc) останавливает рисование на следующем шаге: готовые картинки сохраняются, а "
        "недорисованная показывается с пометкой «не закончена» и не сохраняется.</small>"
    ),
    "image.gallery": "Картинки",
    "image.aspect": "Соотношение сторон",
    "image.advanced": "Дополнительные настройки",
    "image.reuse_settings": "Повторить настройки",
    "image.unload_model": "Выгрузить эту модель (освободить память)",
    "image.reuse": "♻️ Повторить зерно",
    "image.random": "Случайное",
    "image.steps": "Шаги",
    "image.steps_info": "Больше шагов — больше деталей, но дольше.",
    "image.guidance": "Следование описанию (CFG; 0 для Turbo-моделей)",
    "image.guidance_info": "Насколько строго картинка следует описанию.",
    "image.width": "Ширина",
    "image.height": "Высота",
    "image.count": "Сколько картинок (зерно, зерно+1, ...)",
    "image.scheduler": "Планировщик (сэмплер)",
    "image.scheduler_info": "Способ пошаговой очистки шума; значение по умолчанию подходит большинству моделей.",
    "image.pnginfo": "PNG info: узнать настройки картинки",
    "image.png_drop": "Перетащите сюда PNG",
    "image.png_parameters": "Параметры",
    "image.png_send": "Перенести в форму",
    "image.step": "Шаг {step} из {total}{where} · {eta}",
    "image.which": " · картинка {number} из {count}",
    "image.eta_s": "осталось около {seconds} с",
    "image.eta_min": "осталось около {minutes} мин",
    "image.caption": "зерно {seed}",
    "image.caption_unfinished": "зерно {seed} · не закончена (остановлена на шаге {step}), не сохранена",
    "image.cancelled_early": "Отменено до начала.",
    "image.cancelled": (
        "Отменено. Сохранено готовых картинок: {count}; недорисованная картинка показана с пометкой «не "
        "закончена» и не сохранена."
    ),
    "image.done": "Готово: картинок — {count}, за {seconds} с, сэмплер {sampler}{where} · сохранено в {folder}",
    "image.done_on": " на {plan}",
    "image.seed_used": "Использованное зерно: **{seeds}**",
    "image.stopping": "Останавливаем на следующем шаге...",
    "image.selected": "Выбрана картинка: зерно **{seed}**",
    "image.reuse_first": "Сначала нарисуйте картинку — потом можно будет повторить её зерно.",
    "image.png_none": "В этом PNG нет параметров генерации.",
    "image.png_loaded_as": "Загружена так",
    "image.png_first": "Сначала перетащите PNG с параметрами генерации.",
    "image.png_model_missing": "Модели «{model}» здесь нет; остальные настройки перенесены.",
    "error.image.scheduler_model": "Планировщик «{name}» не работает с {model}.",
    "error.image.unset_fields": "В запросе не заполнены поля.",
    "hint.image.with_defaults": "Заполните их значениями по умолчанию через ImageRequest.with_defaults.",
    "notice.no_negative_prompt": "Модель {name} не использует «чего не должно быть»; это поле не учтено.",
    "image.unknown_checkpoint": "файл, который не удалось распознать",
    "error.image.empty_prompt": "Описание картинки пустое.",
    "hint.image.describe": (
        "Опишите картинку, которую хотите получить, например: «a red fox in the snow» (рыжая лиса в снегу)."
    ),
    "error.image.prompt_too_long": "Описание слишком длинное (больше {max} символов).",
    "hint.image.shorten": "Сократите его.",
    "error.image.seed": "Зерно должно быть -1 (случайное) или целым числом от 0 до {max}.",
    "hint.image.seed": "Укажите -1 для нового случайного зерна или зерно, показанное под одной из прошлых картинок.",
    "error.image.count": "Число картинок должно быть от 1 до {max} (указано {value}).",
    "hint.image.count": "Просите меньше картинок за раз: любую можно нарисовать заново по её зерну.",
    "error.image.steps": "Число шагов должно быть от 1 до {max} (указано {value}).",
    "hint.image.steps": "Большинству моделей подходит 20–30 шагов, Turbo-моделям хватает 1–4.",
    "error.image.guidance": "«Следование описанию» должно быть от 0 до {max} (указано {value}).",
    "hint.image.guidance": "Большинству моделей подходит 5–8, Turbo-моделям — 0.",
    "error.image.unknown_scheduler": "Неизвестный планировщик «{name}».",
    "error.image.width": "Ширина {value} пикс. не подходит для моделей {family}.",
    "error.image.height": "Высота {value} пикс. не подходит для моделей {family}.",
    "hint.image.side": (
        "Укажите число, кратное {multiple}, от {min} до {max} пикс. (родной размер этой модели — {size} "
        "пикс.)."
    ),
    "error.image.family_steps": "Модели {family} допускают не больше {max} шагов (указано {value}).",
    "hint.image.usual_steps": "Обычно ставят {steps}.",
    "error.image.scheduler_family": "Планировщик «{name}» не работает с моделями {family}.",
    # -- gallery ------------------------------------------------------------------------------------
    "gallery.day": "Дата",
    "gallery.all_days": "Все даты",
    "gallery.images": "Ваши картинки",
    "gallery.reuse": "Повторить эти настройки на вкладке «Картинки»",
    "gallery.delete": "Удалить эту картинку…",
    "gallery.caption": "{day} · зерно {seed}",
    "gallery.empty": "Сохранённых картинок пока нет: нарисуйте их на вкладке «Картинки».",
    "gallery.no_parameters": "У этой картинки нет сохранённых параметров.",
    "gallery.model": "Модель",
    "gallery.select_first": "Сначала выберите картинку.",
    "gallery.deleted": "Картинка удалена.",
    "error.gallery.unreadable": "Этот файл — не читаемая картинка ({error}).",
    "hint.gallery.drop_png": "Перетащите PNG, созданный LocalAI или Stable Diffusion WebUI.",
    "error.gallery.outside": "Этой картинки нет в папке картинок.",
    "hint.gallery.pick": "Выберите картинку в галерее.",
    "error.gallery.not_yours": "Это не ваша картинка.",
    "hint.gallery.pick_yours": "Выберите одну из своих картинок в галерее.",
    # -- check --------------------------------------------------------------------------------------
    "check.intro": (
        "Проверяет Python, PyTorch, драйвер видеокарты, bitsandbytes, свободное место на диске и папки и "
        "подсказывает, как исправить каждую найденную проблему. Занимает несколько секунд."
    ),
    "check.run": "Проверить компьютер",
    "check.running": "Проверяем компьютер...",
    "check.queued": "Ждём, пока модель закончит текущую работу (место {position})...",
    "check.ok": "### ✅ Проблем не найдено",
    "check.found": "### Найдено проблем: {count}",
    "check.blocker": "⛔ Мешает работе",
    "check.warning": "⚠️ Предупреждение",
    "check.fix": "Как исправить",
    "check.facts": "Этот компьютер",
    "check.python": "Python",
    "check.python_value": "{version} ({bits} бит), {os}, {path}",
    "check.hardware": "Оборудование",
    "check.cpu": "Только процессор: {name}, потоков: {threads}",
    "check.cpu_int8": "torch int8: {speedup}x от скорости fp32 (измерено)",
    "check.gpu_memory": "{device}: {name}, свободно {free} из {total}",
    "check.ram": "ОЗУ",
    "check.unknown_hardware": "неизвестно ({why})",
    "check.no_torch": "PyTorch не установлен",
    "check.gpu": "Видеокарта",
    "check.nvidia": "драйвер NVIDIA {driver} (CUDA до {cuda})",
    "check.amd": "найдена видеокарта AMD",
    "check.no_gpu": "видеокарта NVIDIA/AMD не найдена",
    "check.torch_build": "сборка PyTorch {build}; видеокарта ей доступна: {usable}",
    "check.none": "нет",
    "check.bnb": "bitsandbytes (8/4 бита)",
    "check.libraries": "Библиотеки",
    "check.missing": "НЕТ",
    "check.disk": "Диск",
    "check.disk_value": "свободно {free} для моделей ({path})",
    "check.chat_model": "Модель для чата",
    "check.no_default": "не найдена (положите модель в папку моделей или выберите её на вкладке «Модели»)",
    "check.console_title": "Проверка системы LocalAI",
    "check.console_blocker": "МЕШАЕТ РАБОТЕ",
    "check.console_warning": "ПРЕДУПРЕЖДЕНИЕ",
    "check.console_ok": "Проблем не найдено.",
    "check.remotes": "Удалённые серверы",
    "check.remotes_none": "нет (добавьте сервер флагом --remote ИМЯ=URL или на вкладке «Модели», раздел «Подключения»)",
    "check.remotes_off": "выключены (--no-remotes)",
    "check.remote_up": "{url}: отвечает за {ms} мс, моделей: {count}: {models}",
    "check.remote_down": "{url}: сейчас недоступен (см. ниже)",
    "check.failed": (
        "Сама проверка не удалась: {error}. Запустите ./launch.sh, чтобы исправить установку, и сообщите об "
        "ошибке, если она повторится."
    ),
    # -- worker -------------------------------------------------------------------------------------
    "error.worker.shutting_down": "Сервер завершает работу.",
    "hint.worker.try_again_moment": "Попробуйте ещё раз чуть позже.",
    "error.worker.busy": "Сервер занят: в очереди уже задач — {count}.",
    "hint.worker.try_again_minute": "Попробуйте ещё раз через минуту.",
    "error.worker.crashed": "Что-то пошло не так: {error}",
    "hint.worker.report": "Подробности — в журнале в консоли; если ошибка повторится, сообщите о ней.",
    # -- serving ------------------------------------------------------------------------------------
    "error.serving.ports_in_use": "Все порты с {first} по {last} заняты.",
    "hint.serving.other_port": "Укажите другой через --port.",
    "error.serving.port_taken": "Порт {port} на {host} занят другой программой (или LocalAI уже запущен).",
    "hint.serving.port_taken": (
        "Закройте ту программу или выберите другой порт через --port; без --port будет взят следующий свободный."),
    # -- storage ------------------------------------------------------------------------------------
    "error.storage.full": "Диск заполнен: LocalAI не удалось сохранить данные в {path}.",
    "hint.storage.full": "Освободите место на этом диске (или выберите другую папку через --data-dir / --outputs-dir) "
                         "и попробуйте снова. Ничего не сохранено наполовину.",
    "error.storage.unwritable": "LocalAI не может записывать в {path} ({error}).",
    "hint.storage.unwritable": "Разрешите своему пользователю запись в эту папку или выберите другую через "
                               "--data-dir / --outputs-dir и попробуйте снова.",
    # -- http (the server's door: localai/http_guard.py, site_policy.py) ------------------------------
    "error.http.foreign_host": "LocalAI не отвечает на имя «{host}»: возможно, какая-то веб-страница пытается "
                               "добраться до него через своё имя (подмена DNS).",
    "hint.http.foreign_host": "Если вы сами открываете LocalAI по этому имени, запустите его с --allowed-hosts {name}.",
    "error.http.foreign_origin": "LocalAI отклонил запрос с другого сайта ({origin}): пользоваться им может только "
                                 "его собственная страница.",
    "hint.http.foreign_origin": "Чтобы разрешить этому сайту доступ, запустите LocalAI с --cors-origin {origin}.",
    "error.http.cross_site": "LocalAI отклонил запрос, отправленный другим сайтом.",
    "hint.http.cross_site": "Откройте собственную страницу LocalAI и повторите там.",
    "error.http.json_required": "API принимает только JSON: отправьте заголовок «Content-Type: application/json» "
                                "(тип этого запроса: {got}).",
    "hint.http.json_required": "Большинство клиентов ставят его сами, когда отправляют JSON (curl: -H "
                               "'Content-Type: application/json').",
    "error.http.body_too_large": "Запрос слишком большой ({size}); LocalAI принимает не больше {limit} за один запрос.",
    "hint.http.body_too_large": "Отправьте диалог или сообщение покороче.",
    "error.http.upload_too_large": "Файл слишком большой ({size}); загрузки ограничены размером {limit}.",
    "hint.http.upload_too_large": "Чтобы разрешить файлы побольше, запустите LocalAI с бо́льшим значением "
                                  "--max-upload-mb.",
    "error.http.form_required": "{path} принимает загрузку картинки: отправьте её как «multipart/form-data» "
                                "(тип этого запроса: {got}).",
    "hint.http.form_required": "Пакеты openai делают это сами; в curl: -F image=@picture.png -F prompt=...",
    "error.http.form_needs_bearer": "Загрузке картинок в API нужен заголовок «Authorization: Bearer KEY» (любой "
                                    "KEY, если у LocalAI нет --api-key): форма на веб-странице не может его "
                                    "отправить, поэтому другие сайты не могут присылать сюда картинки.",
    "hint.http.form_needs_bearer": "Пакеты openai отправляют его сами; в curl добавьте "
                                   "-H 'Authorization: Bearer KEY'.",
    "error.serving.bad_cors_origin": "--cors-origin «{origin}» — это не адрес сайта (origin).",
    "hint.serving.bad_cors_origin": "Укажите его в виде схема://имя[:порт], например https://app.example или "
                                    "http://192.168.1.20:3000 (без пути и без «*»).",
    "error.option.max_upload": "--max-upload-mb должен быть от {lo} до {hi}.",
    # -- access -------------------------------------------------------------------------------------
    "error.access.admin_only": "Только администратор ({admin}) может {action}.",
    "hint.access.ask_admin": "Попросите об этом {admin} или войдите как {admin}.",
    "access.unload": "выгружать модели (ими могут пользоваться другие)",
    "access.download": "скачивать модели",
    "access.offline": "переключать автономный режим",
    "access.model_settings": "менять настройки моделей и разрешения на небезопасные файлы",
    "error.access.unknown_admin": "--admin {name} не совпадает ни с одним из логинов.",
    "hint.access.unknown_admin": "Укажите пользователя из --auth или --auth-file.",
    "models.admin_only": "🔒 Настройки моделей, разрешения на небезопасные файлы, скачивание, автономный режим и "
                         "выгрузка доступны только администратору ({admin}).",
    # -- auth ---------------------------------------------------------------------------------------
    "error.auth.hash_damaged": "Хеш пароля повреждён (ожидается pbkdf2_sha256$iterations$salt$hash).",
    "hint.auth.hash_again": "Создайте его заново: python -m localai.auth hash USER",
    "error.auth.bad_login": "Логин должен выглядеть как user:password (указано «{user}:...»).",
    "hint.auth.fix_login": "Исправьте --auth или строку в файле --auth-file.",
    "error.auth.unreadable_file": "Не удалось прочитать файл логинов {path}: {error}.",
    "hint.auth.check_file": "Проверьте путь, указанный в --auth-file.",
    "error.auth.share_needs_login": "С --share приложение доступно из всего интернета, поэтому нужен вход по паролю.",
    "hint.auth.add_login": "Добавьте --auth user:password (или --auth-file).",
    # -- login ------------------------------------------------------------------------------------
    "login.note": (
        "После нескольких неверных паролей вход замедляется, а после {count} — приостанавливается на "
        "{minutes} минут."
    ),
    "error.login.wait": (
        "Слишком много попыток входа с этим именем или с этого адреса. "
        "Попробуйте снова через {seconds} с."
    ),
    "error.login.locked": (
        "Слишком много неверных паролей для этого имени или с этого адреса: вход приостановлен до {time} "
        "(примерно {minutes} мин). Попробуйте тогда; до этого не подойдёт даже верный пароль."
    ),
    "error.login.form_too_large": "Форма входа слишком большая.",
    # -- upload -------------------------------------------------------------------------------------
    "error.upload_only": (
        "Этот сервер принимает файлы только загрузкой с вашего компьютера, а не по веб-адресу: загрузите "
        "сам файл."
    ),
    # -- memory -------------------------------------------------------------------------------------
    "error.memory.load_oom": "Не хватило памяти при загрузке {name} ({plan}).",
    "hint.memory.load_oom_text": (
        "Память освобождена. Попробуйте 4-битное квантование на вкладке «Модели», закройте другие программы "
        "или выберите модель поменьше."
    ),
    "hint.memory.load_oom_image": (
        "Память освобождена. Выберите выгрузку «model» или «sequential» на вкладке «Модели», закройте другие "
        "программы или выберите модель поменьше."
    ),
    "error.memory.chat_oom": "Не хватило памяти, пока писался ответ.",
    "hint.memory.chat_oom": (
        "Память освобождена. Уменьшите «Максимум новых токенов», начните новый диалог или используйте "
        "4-битное квантование либо модель поменьше."
    ),
    "error.memory.image_oom": "Не хватило памяти, чтобы нарисовать картинку {width}x{height} моделью {name}.",
    "hint.memory.image_oom": (
        "Память освобождена, модель осталась загруженной. Уменьшите размер или число картинок либо выберите "
        "выгрузку «model» на вкладке «Модели»."
    ),
    "error.memory.text_too_big_gpu": (
        "{name} ({params}) не помещается в память: даже в варианте {what} нужно около {need}, а на этом "
        "компьютере свободно {vram} видеопамяти и {ram} оперативной памяти."
    ),
    "error.memory.text_too_big": (
        "{name} ({params}) не помещается в память: даже в варианте {what} нужно около {need}, а на этом "
        "компьютере свободно {ram} оперативной памяти."
    ),
    "hint.memory.smaller_model": (
        "Попробуйте модель поменьше, например {smaller} ({smaller_params}), или закройте другие программы, "
        "чтобы освободить память."
    ),
    "hint.memory.close_programs": (
        "Закройте другие программы, чтобы освободить память, или используйте компьютер с большим объёмом "
        "памяти."
    ),
    "error.memory.image_too_big_gpu": (
        "{name} ({params}) не помещается в память для картинок {width}x{height}: на этом компьютере свободно "
        "{vram} видеопамяти и {ram} оперативной памяти."
    ),
    "error.memory.image_too_big": (
        "{name} ({params}) не помещается в память для картинок {width}x{height}: на этом компьютере свободно "
        "{ram} оперативной памяти."
    ),
    "hint.memory.smaller_image_or_model": (
        "Уменьшите размер картинки или возьмите модель поменьше, например {smaller}, и закройте другие "
        "программы, чтобы освободить память."
    ),
    "hint.memory.smaller_image": "Уменьшите размер картинки и закройте другие программы, чтобы освободить память.",
    # -- load ---------------------------------------------------------------------------------------
    "error.load.text_failed": "Не удалось загрузить модель из «{source}»: {error}",
    "hint.load.text_folder": (
        "Проверьте, что в папке полная модель Hugging Face (config.json, *.safetensors, файлы токенизатора) "
        "и что файлы не повреждены."
    ),
    "error.load.image_failed": "Не удалось загрузить модель картинок «{source}»: {error}",
    "hint.load.image_folder": (
        "Проверьте, что это полная папка diffusers (model_index.json и файлы каждого компонента) или файл SD "
        "1.x / SDXL в формате .safetensors."
    ),
    "error.load.tokenizer": (
        "Не удалось прочитать файлы токенизатора (tokenizer.json, tokenizer_config.json) в «{folder}»: "
        "{error}"
    ),
    "hint.load.tokenizer": "Скопируйте файлы токенизатора этой модели заново.",
    "error.gguf.gone": "Файла GGUF {path} больше нет.",
    "error.gguf.unreadable": "Не удалось прочитать файл GGUF {path}: {error}",
    "hint.gguf.broken": (
        "Проверьте, что файл .gguf целый (прерванное скачивание оставляет его коротким) и что это не часть "
        "разбитой на куски модели; если он повреждён, скачайте его заново."
    ),
    "error.gguf.architecture": (
        "{name} — модель GGUF с архитектурой «{architecture}», а установленная версия transformers не умеет "
        "загружать её из GGUF."
    ),
    "hint.gguf.architecture": (
        "Возьмите файл GGUF с архитектурой, которую она читает ({supported}), или версию модели в safetensors "
        "в папке models/text/<имя>/; возможно, её прочитает и более новая версия transformers."
    ),
    "error.gguf.tokenizer": "Не удалось прочитать токенизатор, записанный в файле GGUF {folder}: {error}",
    "error.gguf.no_bnb": (
        "{quant} (bitsandbytes) нельзя применить к файлу GGUF: transformers загружает файлы GGUF без квантования."
    ),
    "hint.gguf.no_bnb": (
        "Верните для этой модели квантование «auto» (на процессоре работает int8) или возьмите версию модели "
        "в safetensors, чтобы получить 4-битный NF4 на видеокарте."
    ),
    # -- folder -------------------------------------------------------------------------------------
    "error.folder.no_model_index": "В папке модели картинок «{folder}» нет model_index.json.",
    "hint.folder.image_needs": (
        "Папка модели картинок должна быть папкой diffusers, как при скачивании с Hugging Face, — или "
        "положите в папку image один файл .safetensors."
    ),
    "hint.folder.download_again": "Скачайте модель заново.",
    "error.folder.single_file_family": "«{file}» — это {what}: из одного файла загружаются только SD 1.x и SDXL.",
    "hint.folder.use_diffusers_folder": (
        "Вместо него положите папку diffusers этой модели (с model_index.json) в {path}."
    ),
    "error.folder.gone": "Папки модели {path} больше нет.",
    "hint.folder.refresh_or_restore": "Нажмите «Обновить» на вкладке «Модели» или верните модель на место.",
    "error.folder.json_broken": "Файл {file} в «{folder}» повреждён ({error}).",
    "error.folder.no_config": "В папке модели «{folder}» нет config.json.",
    "hint.folder.text_needs": (
        "В папке модели для чата должны быть config.json, веса *.safetensors и файлы токенизатора — как при "
        "скачивании с Hugging Face."
    ),
    "hint.folder.download_again_or_fix": "Скачайте модель заново или исправьте файл.",
    "error.folder.no_weights": "В папке модели «{folder}» нет весов (*.safetensors).",
    "hint.folder.copy_weights": "Скопируйте в неё файлы .safetensors этой модели.",
    "error.folder.no_tokenizer": "В папке модели «{folder}» нет токенизатора (tokenizer.json или tokenizer.model).",
    "hint.folder.copy_tokenizer": "Скопируйте в папку файлы токенизатора этой модели.",
    # -- unsafe -------------------------------------------------------------------------------------
    "error.unsafe.component_pickle": (
        "У компонента «{component}» модели {name} есть только веса pickle, а они при загрузке могут "
        "выполнить код."
    ),
    "hint.unsafe.use_safetensors": "Возьмите версию этой модели в формате safetensors.",
    "error.unsafe.pickle_checkpoint": "«{file}» — файл в формате pickle, при загрузке он может выполнить код.",
    "hint.unsafe.use_safetensors_file": "Возьмите версию этой модели в .safetensors (она есть у большинства моделей).",
    "error.unsafe.folder_pickle": (
        "У модели в «{folder}» есть только веса pickle ({files}), а они при загрузке могут выполнить чужой "
        "код."
    ),
    "hint.unsafe.safetensors_or_opt_in": (
        "Возьмите версию этой модели в формате safetensors или разрешите для неё pickle на вкладке «Модели»."
    ),
    "error.unsafe.remote_code": (
        "Модели в «{folder}» нужно запускать собственный код на Python ({files}), а он может сделать на этом "
        "компьютере что угодно."
    ),
    "hint.unsafe.remote_code": (
        "Возьмите модель, которую transformers поддерживает напрямую, или, если доверяете её авторам, "
        "включите «Доверять коду модели» для неё на вкладке «Модели»."
    ),
    # -- model --------------------------------------------------------------------------------------
    "error.model.not_downloaded": "Модель {name} ещё не скачана.",
    "hint.model.download_or_copy": (
        "Скачайте её на вкладке «Модели» или положите папку модели Hugging Face в {path} и нажмите "
        "«Обновить»."
    ),
    "error.model.none_chosen_text": "Модель для чата не выбрана.",
    "error.model.none_chosen_image": "Модель для картинок не выбрана.",
    "hint.model.pick_one": "Выберите одну из: {names}.",
    "error.model.unknown_text": "Неизвестная модель для чата: «{name}».",
    "hint.model.known_text": "Доступные модели для чата: {names}.",
    "error.model.unknown_image": "Неизвестная модель для картинок: «{name}».",
    "hint.model.known_image": "Доступные модели для картинок: {names}.",
    # -- prefs --------------------------------------------------------------------------------------
    "error.prefs.unknown_value": "Неизвестное значение {name}: «{value}».",
    "error.prefs.needs_bnb": "Для режима {quant} нужен bitsandbytes, а он здесь не работает ({why}).",
    "hint.prefs.quant_auto": "Выберите квантование auto или none.",
    "error.prefs.offload_image_only": "Выгрузка «{offload}» — только для моделей картинок.",
    "hint.prefs.offload_text": "Для моделей чата выберите auto, none или device_map.",
    "error.prefs.device_map_gpu": "Для выгрузки device_map нужна видеокарта с CUDA, ROCm или XPU.",
    "hint.prefs.offload_auto": "Выберите выгрузку auto или none.",
    "error.prefs.no_such_device": "Выбрано устройство «{device}», но такой видеокарты на этом компьютере нет.",
    "hint.prefs.device_auto": "Выберите устройство auto или cpu.",
    "error.prefs.image_device_map": "Модели картинок нельзя разделять через device_map.",
    "hint.prefs.image_offload": "Выберите выгрузку «model» (на видеокарте по одному компоненту) или «sequential».",
    # -- plan ---------------------------------------------------------------------------------------
    "plan.describe": "{device} · {dtype} · {quant}",
    "plan.describe_offload": "{device} · {dtype} · {quant} · выгрузка: {offload}",
    "quant.none": "без квантования",
    "quant.int8": "8 бит (int8)",
    "quant.nf4": "4 бита NF4",
    "plan.params": "{count} параметров",
    "plan.free.ram": "свободной ОЗУ",
    "plan.free.unified": "свободной общей памяти",
    "plan.free.vram": "свободной видеопамяти",
    "plan.prefix.none": "",
    "plan.prefix.cpu_only": "только процессор: ",
    "plan.prefix.cpu_chosen": "процессор (ваш выбор): ",
    "plan.prefix.user": "ваш выбор: ",
    "plan.prefix.cpu_only_user": "только процессор: ваш выбор: ",
    "plan.prefix.cpu_chosen_user": "процессор (ваш выбор): ваш выбор: ",
    "plan.text.may_not_fit": (
        "{prefix}{params} в {what} = {need}, может не поместиться ({free} {where}): возможна ошибка нехватки "
        "памяти"
    ),
    "plan.text.size": "{params} x {bytes} B = {need}",
    "plan.extra.fastest_on_cpu": " (так быстрее всего на процессоре)",
    "plan.extra.on_device": " на {device}",
    "plan.text.fits": "{prefix}{size} помещается в {free} {where} -> {what}{extra}",
    "plan.text.too_big": "{prefix}{size} > {free} {where}",
    "plan.bnb.unavailable": "bitsandbytes недоступен",
    "plan.text.split_unquantized": (
        "{too_big}, а квантование недоступно ({why}) -> {what} разделена между видеокартой и ОЗУ, {need} "
        "(медленно)"
    ),
    "plan.text.split_quantized": (
        "{too_big}; даже {what} ({need}) не помещается -> {what} разделена между видеокартой и {ram} "
        "свободной ОЗУ (медленно)"
    ),
    "plan.extra.slower_than_fp32": " (медленнее, чем fp32)",
    "plan.extra.slow": " (медленно)",
    "plan.text.smaller": "{too_big} -> {what}, {need}{slow}",
    "plan.cache": "{reason}; KV-кэш {cache} ({tokens} токенов)",
    "plan.text.cpu_int8": "{prefix}{size} помещается в {free} {where} -> {what}, {need}{why}",
    "plan.extra.int8_faster": (
        ": на этом процессоре измерено в {speedup} раза быстрее fp32; fp32 сохраняет полную точность, но в "
        "{speedup} раза медленнее (квантизация: none)"
    ),
    "plan.extra.int8_measured": ": на этом процессоре измерено {speedup}x от скорости fp32",
    "plan.extra.int8_would_be_faster": " (int8 на этом процессоре измерено в {speedup} раза быстрее: квантизация auto)",
    "plan.extra.nf4_trade": (
        " (4 бита: качество чуть ниже, чем у 16 бит, зато примерно в 2 раза быстрее 8-битного int8, "
        "который берётся, только если его выбрать)"
    ),
    "plan.extra.int8_trade": (
        " (8 бит int8: качество ближе к 16 битам, чем у 4-битного NF4, но генерация в несколько раз медленнее)"
    ),
    "plan.extra.both": "{first}{second}",
    "plan.bnb.not_on_device": "недоступен на этом устройстве",
    "plan.bnb.not_installed": "не установлен",
    "error.plan.folder_size_unknown": (
        "В папке модели «{path}» нет читаемых весов (*.safetensors), поэтому её размер неизвестен."
    ),
    "error.plan.size_unknown": "У «{name}» нет читаемых весов (*.safetensors), поэтому её размер неизвестен.",
    "hint.plan.copy_weights": "Скопируйте файлы .safetensors модели в папку, затем нажмите «Обновить».",
    "plan.image.model": "{label} {params}",
    "plan.extra.vae_tiling": ", тайлинг VAE",
    "plan.image.size_gpu": "{model} x 2 B = {weights} + {work} рабочей памяти при {width}x{height}",
    "plan.image.fits_gpu": "{what} помещается в {free} {where} -> {dtype} на {device}{tiling}",
    "plan.image.too_big": "{what} > {free} {where}",
    "plan.image.model_offload": (
        "{too_big} -> {dtype} с выгрузкой в ОЗУ: на видеокарте по одному компоненту (самый большой: "
        "{largest}, {size}){tiling}"
    ),
    "plan.image.nf4": "{too_big} -> трансформер в 4 бита NF4 ({size}), остальное {dtype} на видеокарте{tiling}",
    "plan.image.nf4_offload": "{too_big} -> трансформер в 4 бита NF4 ({size}) с выгрузкой в ОЗУ{tiling}",
    "plan.image.sequential": (
        "{too_big}; даже по одному компоненту ({largest}, {size}) не помещается -> последовательная выгрузка "
        "в ОЗУ, слой за слоем, и тайлинг VAE (работает, но очень медленно)"
    ),
    "plan.image.fastest_on_cpu": "так быстрее всего на процессоре",
    "plan.image.bf16_is_slower": "для fp32 нужно {need}; bf16 медленнее",
    "plan.image.fits_cpu": (
        "{why_cpu}: {model} в {dtype} = {weights} + {work} рабочей памяти при {width}x{height} помещается в "
        "{free} свободной ОЗУ -> {dtype} ({why}){tiling}"
    ),
    "plan.image.cpu_only": "только процессор",
    "plan.image.cpu_chosen": "процессор (ваш выбор)",
    "plan.note.quant_big_only": "{quant} применяется только к трансформерам FLUX / SD3, поэтому не используется",
    "plan.note.quant_needs_gpu": (
        "{quant}: для трансформеров картинок нужна видеокарта NVIDIA или AMD, поэтому не используется"
    ),
    "plan.note.offload_on_cpu": "на процессоре выгрузка ничего не даёт",
    "plan.forced.fits": "помещается",
    "plan.forced.may_not_fit": "может не поместиться (свободно {free}): возможна ошибка нехватки памяти",
    "plan.forced": (
        "ваш выбор: {params} как {dtype}{quant}{offload} — нужно {need} при {width}x{height}, "
        "{verdict}{notes}"
    ),
    "plan.forced.transformer": ", трансформер {quant}",
    "plan.forced.offload": ", выгрузка {offload}",
    "plan.notes.one": " ({note})",
    "plan.notes.two": " ({first}; {second})",
    "error.plan.image_size_unknown": "Размер «{name}» неизвестен: читаемые веса .safetensors не найдены.",
    "hint.plan.check_weights": "Проверьте, что в папке модели есть её файлы *.safetensors.",
    "plan.will_unload": "{reason}; сначала будут выгружены {names}, чтобы освободить место",
    "plan.unloaded": "{reason}; выгружено, чтобы освободить место: {names}",
    "plan.gguf": "файл GGUF {type}, распаковывается при загрузке: {reason}",
    "plan.gguf.no_bnb": "transformers не сочетает bitsandbytes с файлами GGUF",
    # -- download -----------------------------------------------------------------------------------
    "error.download.already_here": "Модель {name} уже есть на этом компьютере ({path}).",
    "hint.download.just_load": "Просто загрузите её — скачивать не нужно.",
    "download.files_skipped": "файлов: {files}, {size}; лишних файлов пропущено: {skipped}",
    "download.files": "файлов: {files}, {size}",
    "download.progress": "{done} из {total} ({percent}) · {speed} МБ/с · файл {number} из {count}: {file}",
    "download.progress_eta": (
        "{done} из {total} ({percent}) · {speed} МБ/с · осталось {eta} · файл {number} из {count}: {file}"
    ),
    "unit.seconds": "{n} с",
    "unit.minutes": "{n} мин",
    "unit.hours": "{n} ч",
    "error.download.forced_offline": "LocalAI запущен с --offline, поэтому работает без интернета.",
    "hint.download.restart_online": "Чтобы скачивать модели, перезапустите его без --offline.",
    "error.download.offline": "Включён автономный режим, поэтому {name} не скачать.",
    "hint.download.offline_forced": (
        "Перезапустите LocalAI без --offline, чтобы скачать её, или скопируйте папку модели в папку моделей "
        "и нажмите «Обновить»."
    ),
    "hint.download.offline_switch": (
        "Выключите «Автономный режим» на вкладке «Модели», чтобы скачать её, или скопируйте папку модели в "
        "папку моделей и нажмите «Обновить»."
    ),
    "error.download.stopped": "Скачивание {name} остановлено.",
    "hint.download.continue": "Скачанное сохранено: нажмите «Скачать» ещё раз, чтобы продолжить с того же места.",
    "error.download.no_repo": "У {name} нет репозитория на Hugging Face, откуда её можно скачать.",
    "hint.download.already_local": "Это уже локальная модель.",
    "download.a_chat_model": "модель для чата",
    "download.an_image_model": "модель для картинок",
    "error.download.wrong_kind": "{repo} — это {kind}, а не {other}.",
    "hint.download.other_list": "Выберите её в другом списке.",
    "error.download.pickle_only": (
        "Модель {name} опубликована только с весами pickle ({files}), а они при загрузке могут выполнить код "
        "на этом компьютере."
    ),
    "hint.download.pickle_opt_in": (
        "Выберите модель с весами .safetensors или, если доверяете её авторам, включите «Разрешить веса "
        "pickle» для неё на вкладке «Модели» и скачайте снова."
    ),
    "error.download.no_weights": "У {repo} на Hugging Face нет весов, которые LocalAI может использовать.",
    "hint.download.pick_another": "Выберите другую модель из списка.",
    "error.download.in_progress": "Модель {name} уже скачивается.",
    "hint.download.wait": "Дождитесь окончания этого скачивания.",
    "status.download.listing": "Запрашиваем у Hugging Face список файлов {name}...",
    "error.download.target_exists": "Модель {name} уже лежит в {path}.",
    "hint.download.refresh_or_delete": (
        "Нажмите «Обновить», чтобы её увидеть; чтобы скачать заново, сначала удалите эту папку."
    ),
    "error.download.disk": (
        "Не хватает места на диске для {name}: нужно ещё {need}{already}, а в {path} свободно только {free}."
    ),
    "download.already_have": " (уже скачано {have})",
    "hint.download.disk": (
        "Освободите место (и очистите корзину) или запустите LocalAI с --models-dir на диске, где места "
        "больше."
    ),
    "status.download.start": "Скачиваем {name}: {plan}.",
    "status.download.checking": "Проверяем {path}...",
    "error.download.damaged": "Файл {file} модели {name} повредился при докачке и удалён.",
    "hint.download.fetch_anew": "Нажмите «Скачать» ещё раз, чтобы скачать его заново.",
    "error.download.gated_no_access": (
        "Модель {name} закрытая, и вашей учётной записи Hugging Face ещё не дали к ней доступ."
    ),
    "hint.download.accept_license": (
        "Откройте {page}, войдите и примите её лицензию (одобрение может занять время), затем снова нажмите "
        "«Скачать»."
    ),
    "error.download.gated": (
        "Модель {name} закрытая: авторы разрешают скачивать её только после того, как вы примете их лицензию "
        "на Hugging Face."
    ),
    "hint.download.gated_steps": (
        "1) Откройте {page}, войдите и примите лицензию. 2) Создайте токен с правом «read» на {tokens}. 3) В "
        "терминале выполните `hf auth login` и вставьте его (или задайте переменную окружения HF_TOKEN). 4) "
        "Перезапустите LocalAI и снова нажмите «Скачать». Или выберите открытую модель."
    ),
    "error.download.hf_offline": "Модель {name} не скачать: задана переменная окружения HF_HUB_OFFLINE.",
    "hint.download.unset_hf_offline": (
        "Уберите HF_HUB_OFFLINE (или выключите «Автономный режим» на вкладке «Модели») и попробуйте снова."
    ),
    "error.download.not_found": "{repo} не найдена на Hugging Face ({host}) или это закрытый репозиторий.",
    "hint.download.check_name": (
        "Проверьте название; для закрытой модели войдите через `hf auth login` и перезапустите LocalAI."
    ),
    "error.download.http": "Hugging Face ({host}) ответил ошибкой (HTTP {status}) при скачивании {name}.",
    "hint.download.try_later": "Попробуйте снова через несколько минут; уже скачанные файлы сохранены.",
    "error.download.no_network": "Не удалось связаться с Hugging Face ({host}), чтобы скачать {name}: {error}.",
    "hint.download.no_network": (
        "Проверьте подключение к интернету (и настройки прокси) и снова нажмите «Скачать»; скачанное "
        "сохранится. Или скопируйте папку модели с другого компьютера в {path} и нажмите «Обновить»."
    ),
    "error.download.disk_full": "Диск заполнился во время скачивания {name}.",
    "hint.download.free_and_continue": "Освободите место и снова нажмите «Скачать», чтобы продолжить.",
    "error.download.incomplete": "Файл модели {name} скачался не полностью.",
    "hint.download.continue_received": "Нажмите «Скачать» ещё раз: скачивание продолжится с того же места.",
    "error.download.os_error": "Не удалось скачать {name}: {error}",
    "hint.download.again_log": "Нажмите «Скачать» ещё раз; подробности — в журнале в консоли.",
    "error.download.failed": "Не удалось скачать {name} ({error}).",
    "hint.download.log_retry": "Подробности — в журнале в консоли; нажмите «Скачать», чтобы попробовать снова.",
    # -- doctor -------------------------------------------------------------------------------------
    "doctor.python_fix": (
        "Установите 64-битный Python 3.11 или 3.12 с https://www.python.org/downloads/ (Ubuntu/Debian: "
        "{apt}; macOS: {brew}), удалите папку .venv и снова запустите ./launch.sh (или {again})."
    ),
    "doctor.reinstall": "удалите файл {path}, затем выполните: {command}",
    "doctor.cpu_only_build": "сборка только для процессора",
    "doctor.other_build": "сборка для {build}, а не для CUDA",
    "doctor.nvidia_unused": (
        "Ваша видеокарта NVIDIA не используется: установленный PyTorch ({version}) — {kind}, поэтому всё "
        "медленно работает на процессоре."
    ),
    "doctor.install_cuda": "Установите сборку PyTorch с CUDA: {how}.",
    "doctor.amd_unused": (
        "Ваша видеокарта AMD не используется: установленный PyTorch ({version}) — не сборка для ROCm, "
        "поэтому всё медленно работает на процессоре."
    ),
    "doctor.install_rocm": "Установите сборку PyTorch с ROCm: {how}.",
    "doctor.older_cuda": (
        " Или установите сборку PyTorch для более старой CUDA: удалите папку .venv, затем выполните: "
        "{command}."
    ),
    "doctor.driver_old_works": (
        "Драйвер NVIDIA ({driver}) слишком старый для установленного PyTorch: он поддерживает CUDA до {max}, "
        "а PyTorch собран для CUDA {built}. PyTorch пока видит видеокарту, но некоторые операции могут не "
        "работать."
    ),
    "doctor.driver_old_broken": (
        "Драйвер NVIDIA ({driver}) слишком старый для установленного PyTorch: он поддерживает CUDA до {max}, "
        "а PyTorch собран для CUDA {built}. PyTorch не может использовать видеокарту, поэтому LocalAI "
        "медленно работает на процессоре."
    ),
    "doctor.update_driver_alt": "Обновите драйвер NVIDIA ({url}) и перезагрузите компьютер.{alternative}",
    "doctor.cuda_unavailable": (
        "PyTorch не может использовать вашу видеокарту NVIDIA (torch.cuda.is_available() — False), поэтому "
        "LocalAI медленно работает на процессоре."
    ),
    "doctor.update_driver_check": (
        "Обновите драйвер NVIDIA ({url}) и перезагрузите компьютер; проверьте, что `nvidia-smi` показывает "
        "видеокарту. Если не поможет — {how}."
    ),
    "doctor.rocm_unavailable": (
        "PyTorch не может использовать вашу видеокарту AMD, поэтому LocalAI медленно работает на процессоре."
    ),
    "doctor.rocm_fix": (
        "Проверьте, что `rocminfo` показывает видеокарту (драйвер ROCm установлен), и добавьте себя в группы "
        "render и video: {command}, затем выйдите из системы и войдите снова. Некоторым картам Radeon нужна "
        "ещё переменная HSA_OVERRIDE_GFX_VERSION."
    ),
    "doctor.python_version": "Python {version} не поддерживается: LocalAI нужен Python от 3.10 до 3.13.",
    "doctor.python_32bit": "Этот Python ({path}) 32-битный, а PyTorch нужен 64-битный Python.",
    "doctor.torch_broken": "PyTorch установлен, но не запускается: {error}",
    "doctor.torch_reinstall": (
        "Удалите папку .venv и снова запустите {command}: он установит подходящий для вашего компьютера "
        "PyTorch."
    ),
    "doctor.torch_missing": "PyTorch не установлен.",
    "doctor.torch_install": "Запустите {command}: он установит подходящий для вашего компьютера PyTorch.",
    "doctor.libraries_missing": "Не хватает нужных библиотек: {names}.",
    "doctor.libraries_install": "Запустите {command}: он установит всё из requirements.txt (или: {pip}).",
    "doctor.hardware_unknown": "Не удалось определить оборудование ({error}).",
    "doctor.repair": "Запустите {command}, чтобы исправить установку.",
    "doctor.bnb_broken": (
        "bitsandbytes не работает на вашей видеокарте ({why}): большие модели нельзя загрузить в 8 или 4 "
        "бита, поэтому в видеопамять помещается меньше моделей."
    ),
    "doctor.bnb_reinstall": "Переустановите его: {command}; затем повторите проверку.",
    "doctor.disk_full": "Диск почти заполнен: в папке моделей ({path}) свободно {free} GB.",
    "doctor.disk_full_fix": (
        "Освободите место на диске (очистите корзину, удалите большие ненужные файлы) или храните модели на "
        "другом диске: --models-dir D."
    ),
    "doctor.the_chat_model": "модель для чата",
    "doctor.disk_for_model": (
        "Не хватает места, чтобы скачать {name}: нужно {need} GB, а в папке моделей ({path}) свободно {free} "
        "GB."
    ),
    "doctor.disk_for_model_fix": (
        "Освободите место на диске, храните модели на другом диске (--models-dir D) или выберите модель для "
        "чата поменьше (--text-model NAME)."
    ),
    "doctor.cannot_write_models": "LocalAI не может записывать в папку моделей: {path}.",
    "doctor.cannot_write_data": "LocalAI не может записывать в папку данных: {path}.",
    "doctor.cannot_write_outputs": "LocalAI не может записывать в папку картинок: {path}.",
    "doctor.cannot_write_fix": (
        "Дайте своему пользователю право записи в {path} (Linux/macOS: {command}) или укажите другую папку: "
        "{flag} D."
    ),
    "doctor.low_disk": "На диске с {path} свободно всего {free}: беседы и изображения могут не сохраниться.",
    "doctor.low_disk_fix": "Освободите место на этом диске или укажите папку на другом диске: {flag} D.",
    "check.cannot_start": "LocalAI не может запуститься:",
    "doctor.port_in_use": "Порт {port} на {host} уже занят (другой программой или уже запущенным LocalAI).",
    "doctor.port_fix": (
        "Делать ничего не нужно: LocalAI возьмёт следующий свободный порт. Чтобы выбрать порт самому, "
        "укажите --port {port} (или закройте другую программу)."
    ),
    "doctor.plan.not_planned": "{name}: не спланирована, PyTorch не работает",
    "doctor.plan.line": "{name}: {plan} ({reason})",
    "doctor.chat_model_broken": "Модель для чата не загрузится: {problem}",
    "doctor.plan.failed": "{name}: {error}",
    "doctor.plan.error": "{error}",
    "doctor.choose_other_model": "Выберите другую модель для чата.",
    "doctor.plan.crashed": "спланировать не удалось ({error})",
    # -- api ----------------------------------------------------------------------------------------
    "error.api.edit_image_required": "Нужно поле «image»: картинка, которую изменить, отправленная файлом.",
    "error.api.edit_file": "«{field}» должно быть картинкой, отправленной файлом; этот сервер принимает только "
                           "загруженные файлы, а не имена или ссылки.",
    "error.api.bad_form": "Не удалось прочитать форму ({error}).",
    "hint.api.bad_form": "Отправьте multipart/form-data: картинку файлом «image», остальные поля текстом "
                         "(curl: -F image=@picture.png -F prompt=...).",
    "error.api.mask_mode": "Маска нужна только чтобы перерисовать часть картинки (режим \"inpaint\"), а не для "
                           "режима «{mode}».",
    "error.api.no_saved_prompt": "В этой картинке нет сохранённого описания (prompt), чтобы сделать варианты, и в "
                                 "запросе нет поля «prompt».",
    "hint.api.no_saved_prompt": "Отправьте описание в дополнительном поле «prompt» или PNG, сделанный LocalAI или "
                                "AUTOMATIC1111 (они сохраняют описание в файле).",
    "error.api.field_range": "«{field}» должно быть от {lo} до {hi} (указано {value}).",
    "error.api.model_required": "Нужно поле «model»: модель ({what}), которую использовать.",
    "api.kind.chat": "для чата",
    "api.kind.image": "для картинок",
    "hint.api.models": "Модели на этом сервере: {names} (их список — GET /v1/models).",
    "error.api.messages_list": "«messages» должно быть непустым списком объектов {{role, content}}.",
    "error.api.message_object": "{item} должно быть объектом с полями «role» и «content».",
    "error.api.role": (
        "У {item} роль «{role}»; этот сервер принимает сообщения system, user, assistant и tool."
    ),
    "error.api.no_tools": "«{field}» (старая форма вызова функций) этот сервер не поддерживает: отправьте «tools».",
    "error.api.only_n1": "Поддерживается только n=1: чтобы получить другой ответ, спросите ещё раз.",
    "error.api.stream_options": '«stream_options» действует только вместе с "stream": true.',
    "error.api.text_parts_only": "В сообщениях поддерживаются только текст и картинки (без звука и файлов).",
    "error.api.content": "«{field}» должно быть строкой или списком частей с текстом и картинками.",
    "error.api.prompt_required": "Нужно поле «prompt»: опишите картинку, которую хотите получить.",
    "error.api.image_format": 'response_format «{format}» не поддерживается; используйте "b64_json".',
    "error.api.size": '«size» должно выглядеть как "512x512" (ширина x высота), а не «{size}».',
    "error.api.wrong_key": "Неверный ключ API.",
    "error.api.needs_key": "Этому серверу нужен ключ API.",
    "hint.api.send_key": (
        "Передайте заголовок «Authorization: Bearer KEY» с ключом, который LocalAI напечатал при запуске "
        "(или заданным через --api-key)."
    ),
    "error.api.not_json": "Тело запроса — не правильный JSON.",
    "error.api.not_object": "Тело запроса должно быть объектом JSON.",
    "error.api.crashed": "Что-то пошло не так ({error}).",
    "hint.api.console_log": "Подробности — в журнале в консоли сервера.",
    "error.api.no_answer": "Ответ закончился без результата.",
    "hint.api.try_again": "Попробуйте ещё раз.",
    "error.api.no_images": "Рисование закончилось без результата.",
    "error.api.no_route": "На этом сервере нет {method} {path}.",
    "hint.api.routes": "Есть GET /v1/models, POST /v1/chat/completions, POST /v1/completions, POST /v1/embeddings, "
                       "POST /v1/images/generations, "
                       "POST /v1/images/edits и POST /v1/images/variations.",
    "error.api.field_above": "«{field}» должно быть больше {lo}.",
    "error.api.stop": "«stop» должно быть строкой или списком не больше чем из {max} непустых строк.",
    "error.api.field_type": "«{field}» должно быть: {kind}.",
    "error.api.field_types": "«{field}» должно быть: {kind} или {other}.",
    "api.type.str": "строка",
    "api.type.int": "целое число",
    "api.type.float": "число",
    "api.type.bool": "true или false",
    "api.type.list": "список",
    "api.type.dict": "объект",
    "error.api.no_proxy": "Загрузка файлов с других серверов на этом сервере выключена.",
    "error.api.lone_surrogate": (
        "В «{field}» одиночный суррогат UTF-16 (например, "
        "\\ud800): это испорченный символ, а не текст."),
    "hint.api.valid_unicode": "Отправьте корректный текст в Юникоде.",
    # -- limit --------------------------------------------------------------------------------------
    "error.limit.chat_messages": "Сообщений в этом диалоге: {value}, а за один раз можно отправить не больше {max}.",
    "hint.limit.new_conversation": "Начните новый диалог: столько сообщений модель всё равно не прочитает.",
    "error.limit.chat_characters": (
        "Этот диалог слишком длинный (символов: {value}), а за "
        "один раз можно отправить не больше {max}."),
    "hint.limit.shorter_conversation": (
        "Сократите сообщения (длинный текст можно отправить "
        "частями) или начните новый диалог."),
    "error.limit.json_depth": "В запросе списки и объекты вложены слишком глубоко (допустимо уровней: {max}).",
    "hint.limit.json_depth": "Передайте поля так, как их описывает API.",
    # -- option -------------------------------------------------------------------------------------
    "error.option.temperature": "Температура должна быть от {lo} до {hi}.",
    "error.option.top_p": "Top-p должен быть больше {lo} и не больше {hi}.",
    "error.option.top_k": "Top-k должен быть от {lo} (выключено) до {hi}.",
    "error.option.max_new_tokens": "«Максимум новых токенов» должен быть от {lo} до {hi}.",
    "error.option.repetition_penalty": "Штраф за повторы должен быть от {lo} до {hi}.",
    "error.option.frequency_penalty": "Штраф за частоту слов должен быть от {lo} до {hi}.",
    "error.option.presence_penalty": "Штраф за уже встречавшиеся слова должен быть от {lo} до {hi}.",
    "error.option.seed": "Зерно должно быть -1 (случайное) или числом от 0 и больше.",
    "error.option.image_seed": "Зерно должно быть -1 (случайное) или целым числом от 0 до {hi}.",
    "error.option.image_steps": "Число шагов должно быть от {lo} до {hi}.",
    "error.option.guidance": "«Следование описанию» должно быть от {lo} до {hi}.",
    "error.option.image_count": "Число картинок должно быть от {lo} до {hi}.",
    "error.option.image_side": "Ширина и высота должны быть от {lo} до {hi}.",
    "error.option.port": "Порт должен быть от {lo} до {hi}.",
    "error.option.queue": "Длина очереди должна быть от {lo} до {hi}.",
    "error.option.stop": "Укажите не больше {max} непустых стоп-строк.",
    # -- edit (image editing: variations, upscale, img2img, inpaint, outpaint; LoRA) ---------------------
    "edit.strength": "Сила",
    "edit.strength_info": "Сколько картинки перерисовать: мало — останется близкой, 1 — не учитывать её.",
    "edit.mode.text_to_image": "рисование по тексту",
    "edit.mode.image_to_image": "картинка по картинке",
    "edit.mode.variation": "варианты",
    "edit.mode.inpaint": "перерисовка области",
    "edit.mode.outpaint": "расширение картинки (отдалить / сдвинуть)",
    "edit.mode.upscale": "увеличение",
    "error.option.strength": "Сила должна быть больше {lo} и не больше {hi}.",
    "error.option.lora_weight": "Вес LoRA должен быть от {lo} до {hi}.",
    "error.option.lora_count": "Можно использовать не больше {hi} LoRA сразу.",
    "error.edit.mode": "Неизвестный вид правки «{value}».",
    "error.edit.no_image": "Для режима «{mode}» нужна исходная картинка.",
    "hint.edit.add_image": "Перетащите картинку (PNG, JPEG или WebP) в поле картинки или выберите одну из своих.",
    "error.edit.outpaint": "Неизвестное направление расширения: «{value}».",
    "error.edit.not_an_image": "Поле {field} — не картинка, которую можно прочитать ({error}).",
    "hint.edit.image_kinds": "Используйте файл PNG, JPEG или WebP.",
    "error.edit.too_large": "Картинка слишком большая ({width} x {height} пикселей; не больше {max} миллионов).",
    "hint.edit.smaller": "Сначала уменьшите её в графическом редакторе.",
    "error.edit.too_small": "Картинка слишком маленькая ({width} x {height} пикселей).",
    "hint.edit.bigger": "Возьмите картинку не меньше 64 пикселей по каждой стороне.",
    "error.edit.no_mask": "Для перерисовки области нужна маска: часть картинки, которую перерисовать.",
    "hint.edit.paint_mask": "Закрасьте кистью то, что нужно изменить (или, через API, сделайте это прозрачным).",
    "error.edit.empty_mask": "Маска не отмечает ничего для перерисовки.",
    "error.edit.mask_size": "Маска размером {mask_width} x {mask_height} пикселей, а картинка — {width} x {height}.",
    "hint.edit.mask_size": "Сделайте маску из той же картинки, того же размера.",
    "error.edit.mask_no_alpha": "У маски нет прозрачности, поэтому она ничего не отмечает.",
    "hint.edit.mask_alpha": "Дайте PNG, в котором полностью прозрачные пиксели отмечают, что перерисовать (как в API OpenAI).",
    "error.edit.upscale_too_big": (
        "Картинку {width} x {height} нельзя увеличить в 2 раза: {up_width} x {up_height} больше, чем рисуют "
        "модели {family} ({max} пикселей по стороне)."
    ),
    "hint.edit.upscale_too_big": "Увеличьте картинку поменьше или возьмите модель с большим пределом.",
    "error.edit.model_cannot": "Модель {model} не умеет: {mode}.",
    "hint.edit.model_cannot": (
        "Это модель для перерисовки областей: перерисуйте ею часть картинки или расширьте картинку, либо выберите другую модель."
    ),
    "error.edit.remote": "Модель {model} работает на другом сервере; правка картинок и LoRA работают с моделями на этом компьютере.",
    "hint.edit.remote": "Выберите для этого модель на этом компьютере.",
    "notice.upscale_tiles": (
        "Увеличено до {width} x {height} по частям: {tiles} фрагментов по {size} пикселей — вся картинка сразу не "
        "поместилась бы в свободную память."
    ),
    "notice.inpainting_model": "Нарисовано моделью {name} — моделью для перерисовки областей того же семейства, что {asked}.",
    "error.lora.count": "Можно использовать не больше {max} LoRA сразу.",
    "hint.lora.count": "Уберите лишние.",
    "error.lora.unreadable": "Не удаётся прочитать файл LoRA {name} ({error}).",
    "hint.lora.safetensors": "LoRA должны быть файлами .safetensors; скачайте файл заново, если он оборвался.",
    "error.lora.not_lora": "{name} — не LoRA: в нём нет весов LoRA.",
    "hint.lora.what": "Положите файлы LoRA (.safetensors, от программы обучения или с сайта моделей) в models/lora/.",
    "error.lora.unknown": "Нет LoRA с именем «{name}».",
    "hint.lora.known": "LoRA в models/lora/: {known}.",
    "error.lora.unresolved": "LoRA {name} не были подобраны для этой модели.",
    "error.lora.family": "LoRA {name} сделана для моделей {lora_family}, а {model} — это {family}.",
    "hint.lora.family": "Выберите для неё модель {family} или LoRA, сделанную для {family}.",
    "error.lora.unsupported": "Модель {model} не может использовать LoRA.",
    "hint.lora.unsupported": "Для LoRA используйте модели Stable Diffusion, SDXL или FLUX.",
    "error.lora.needs_peft": "Для LoRA нужен пакет «peft», а он не установлен.",
    "hint.lora.needs_peft": "Запустите скрипт запуска ещё раз (он его установит) или выполните: pip install peft",
    "error.lora.does_not_fit": "LoRA {name} не подходит к модели {model} ({error}).",
    "hint.lora.does_not_fit": "Скорее всего, она сделана для другого семейства моделей; выберите сделанную для этой модели.",
    "error.lora.remote": "Модель {model} работает на другом сервере: LoRA работают с моделями на этом компьютере.",
    "notice.lora_image_part": (
        "LoRA {names}: применена только часть для модели картинок; для части текстового кодировщика нужен "
        "peft {needed} или новее (pip install -U peft)."
    ),
    "lora.weight": "Вес",
    "lora.pick": "Файл LoRA",
    "lora.info": "Файлы LoRA для этой модели из models/lora/. Добавьте в описание как <lora:имя:вес>.",
    "lora.none": "Для этой модели нет LoRA: положите файлы LoRA (.safetensors) в models/lora/.",
    "lora.add": "Добавить в описание",
    "lora.pick_first": "Сначала выберите LoRA.",
    "edit.vary_subtle": "Вариации (слабые)",
    "edit.vary_strong": "Вариации (сильные)",
    "edit.upscale": "Увеличить 2x",
    "edit.open": "Изменить",
    "edit.in_image_tab": "Изменить во вкладке «Картинки»",
    "edit.caption.vary_subtle": "вариация (слабая)",
    "edit.caption.vary_strong": "вариация (сильная)",
    "edit.caption.upscale": "увеличено 2x",
    "edit.pick_first": "Сначала создайте картинку или выберите её в сетке.",
    "edit.busy": "Рисование ещё идёт: дождитесь его или отмените.",
    "edit.section": "Изменить картинку",
    "edit.how": (
        "Перетащите или вставьте картинку либо нажмите «Изменить» у картинки. Для «Изменить область» закрасьте "
        "кистью часть, которую нужно перерисовать. «Нарисовать» берёт описание сверху и дополнительные настройки."
    ),
    "edit.picture": "Картинка для изменения (кисть отмечает, что перерисовать)",
    "edit.what": "Что сделать",
    "edit.choice.image_to_image": "Картинка в картинку",
    "edit.choice.inpaint": "Изменить область (inpaint)",
    "edit.choice.zoom_15": "Отдалить 1.5x",
    "edit.choice.zoom_2": "Отдалить 2x",
    "edit.choice.pan_left": "Сдвинуть ←",
    "edit.choice.pan_right": "Сдвинуть →",
    "edit.choice.pan_up": "Сдвинуть ↑",
    "edit.choice.pan_down": "Сдвинуть ↓",
    "edit.draw": "Нарисовать",
    "edit.mask_layer": "Маска",
    "edit.drop_first": "Сначала поместите картинку в редактор (или нажмите «Изменить» у картинки).",
    # -- documents (issue 16) ---------------------------------------------------------
    "error.doc.empty": "Файл {name} пуст.",
    "hint.doc.empty": "Проверьте, что это нужный файл и что он сохранён, и прикрепите его снова.",
    "error.doc.too_big": "Файл {name} слишком большой ({size}); предел — {limit} на файл.",
    "hint.doc.too_big": "Прикрепите файл поменьше или только нужную часть (например, несколько глав, сохранённых "
                        "отдельным PDF).",
    "error.doc.too_many_pages": "В файле {name} {pages} стр.; предел — {limit}.",
    "error.doc.too_much_text": "В файле {name} больше {limit} символов текста — больше, чем LocalAI читает из одного "
                               "файла.",
    "error.doc.unpacks_too_big": "Файл {name} после распаковки занимает больше {limit} — слишком много, чтобы его "
                                 "прочитать.",
    "hint.doc.split": "Разделите его на файлы поменьше и прикрепите нужные части.",
    "error.doc.unsupported": "LocalAI не умеет читать файлы такого типа: {name}.",
    "hint.doc.unsupported": (
        "Прикрепите файл PDF, Word (.docx), текст (.txt), Markdown (.md), HTML, CSV или исходный код. Другие "
        "документы (.doc, .odt, .rtf, .pages) можно сохранить как PDF или .docx в программе, которая их открывает."
    ),
    "error.doc.binary": "В файле {name} не простой текст, хотя имя говорит об обратном.",
    "hint.doc.binary": "Сохраните его заново как простой текст (или как PDF) и прикрепите эту копию.",
    "error.doc.encrypted": "Файл {name} защищён паролем.",
    "hint.doc.encrypted": "Откройте его в программе для PDF, сохраните копию без защиты (или напечатайте в PDF) и "
                          "прикрепите эту копию.",
    "error.doc.broken_pdf": "Не удалось прочитать {name}: файл повреждён или на самом деле не PDF.",
    "error.doc.broken_docx": "Не удалось прочитать {name}: файл повреждён или на самом деле не документ Word (.docx).",
    "hint.doc.broken": "Откройте его на компьютере, чтобы проверить, сохраните заново («Сохранить как» или печать в "
                       "PDF) и прикрепите новую копию.",
    "error.doc.scanned": "В файле {name} не найден текст: похоже, это отсканированный документ (картинки страниц).",
    "hint.doc.scanned": "LocalAI пока не умеет читать текст с картинок страниц. Возьмите PDF, в котором текст можно "
                        "выделить, или скопируйте текст в сообщение.",
    "error.doc.no_text": "В файле {name} не найден текст.",
    "hint.doc.no_text": "Проверьте, что это нужный файл, или скопируйте текст в сообщение.",
    "error.doc.not_found": "Такого документа нет, или он не ваш.",
    "hint.doc.not_found": "Возможно, его удалили; прикрепите файл снова.",
    "doc.source.page": "{name}, с. {page}",
    "doc.source.pages": "{name}, с. {first}–{last}",
    "doc.source.part": "{name}, часть {page}",
    "doc.source.parts": "{name}, части {first}–{last}",
    # (end of documents)
    # -- embedding (issue 16) ---------------------------------------------------------
    "models.kind.embedding": "эмбеддинги",
    "embed.download.an_embedding_model": "модель эмбеддингов",
    "error.embed.none_on_disk": "На этом компьютере нет модели эмбеддингов. По длинным документам ищут с её помощью.",
    "hint.embed.get_one": (
        "Скачайте {suggested} на вкладке «Модели» ({size}) или положите папку модели эмбеддингов в models/embedding/ "
        "и нажмите «Обновить»."
    ),
    "hint.embed.put_one": (
        "Положите папку модели эмбеддингов (config.json, *.safetensors, файлы токенизатора) в models/embedding/ и "
        "нажмите «Обновить»."
    ),
    "error.embed.unknown_model": "Неизвестная модель эмбеддингов «{name}».",
    "hint.embed.known": "Модели эмбеддингов: {names}. Другие кладут в models/embedding/<имя>/.",
    "error.embed.chat_model": "«{name}» — модель для чата, а не модель эмбеддингов.",
    "error.embed.image_model": "«{name}» — модель для картинок, а не модель эмбеддингов.",
    "hint.embed.use_these": "Модели эмбеддингов на этом компьютере: {names}.",
    "error.embed.not_downloaded": "Модель эмбеддингов {name} ещё не скачана.",
    "hint.embed.download_this": "Скачайте её на вкладке «Модели» ({size}) или положите её папку в {folder} и нажмите "
                                "«Обновить».",
    "error.embed.no_input": "Нет текста для эмбеддинга.",
    "hint.embed.send_text": "Пришлите сам текст: строку или список строк.",
    "error.embed.too_many": "Прислано текстов: {count}; за один раз обрабатывается не больше {max}.",
    "hint.embed.split": "Разбейте их на несколько запросов.",
    "error.embed.not_text": "Текст {index} — не строка.",
    "error.embed.empty_text": "Текст {index} пустой.",
    "error.embed.too_long": "В текстах вместе {count} символов; за один раз обрабатывается не больше {max}.",
    "error.embed.load_failed": "Не удалось загрузить модель эмбеддингов из «{source}»: {error}",
    "hint.embed.folder": (
        "Проверьте, что в папке полная модель-кодировщик Hugging Face, например multilingual-e5-small (config.json, "
        "*.safetensors, файлы токенизатора), и что её файлы не повреждены."
    ),
    "hint.embed.load_oom": "Память освобождена. Закройте другие программы или выгрузите модель на вкладке «Модели».",
    "error.embed.oom": "Не хватило памяти для эмбеддингов моделью {name}, даже по одному тексту.",
    "hint.embed.oom": "Память освобождена. Выгрузите другие модели на вкладке «Модели» или закройте другие программы и "
                      "попробуйте снова.",
    "embed.plan.fits": "{params} x {bytes} B + {work} на пакет текстов = {need} помещается в {free} {where} -> "
                       "{dtype}{note}",
    "embed.plan.cpu_instead": "на {device} свободно {free}, мало -> процессор: {reason}",
    "embed.plan.whole": " (загружается целиком: {ignored} — для моделей чата и картинок)",
    "embed.plan.whole_two": " (загружается целиком: {first} и {second} — для моделей чата и картинок)",
    "error.embed.too_big": "Модели {name} ({params}) нужно около {need} вместе с рабочей памятью, а осталось только "
                           "{free} {where}.",
    "error.embed.input_required": "Нужно поле «input»: текст или список текстов для эмбеддинга.",
    "error.embed.input_kind": "«{field}» должно быть строкой или списком строк.",
    "error.embed.tokens": "Номера токенов здесь не принимаются: у каждой модели свои токены.",
    "error.embed.format": "«encoding_format» должно быть float или base64, а не «{format}».",
    "error.embed.dimensions_positive": "«dimensions» должно быть не меньше 1.",
    "error.embed.dimensions": "У векторов этой модели {size} измерений, а не {asked}; они не укорачиваются.",
    "hint.embed.dimensions": "Не указывайте «dimensions» или укажите {size}.",
    "error.embed.input_type": "«input_type» должно быть passage, document или query, а не «{value}».",
    "error.embed.no_vectors": "Расчёт эмбеддингов закончился без векторов.",
    # (end of embedding)
    # -- vision (issue 16) ---------------------------------------------------------
    "error.vision.too_many_images": "В одном сообщении может быть не больше {max} картинок, а в этом их {value}.",
    "hint.vision.fewer_images": "Отправьте за раз меньше картинок.",
    "error.vision.too_many_images_total": (
        "Картинок в этом диалоге: {value}, а за один раз можно отправить не больше {max}."
    ),
    "hint.vision.new_conversation": "Для следующих картинок начните новый диалог.",
    "error.vision.image_too_big": "Картинка «{field}» весит {size} МБ, а можно не больше {max} МБ.",
    "hint.vision.smaller_file": "Отправьте файл поменьше: снимок экрана или фотографию в формате JPEG.",
    "error.vision.images_list": "«{field}» должно быть списком файлов с картинками (PNG, JPEG, WebP, GIF или BMP).",
    "error.vision.not_a_picture": "«{field}» — не картинка, которую LocalAI может прочитать ({error}).",
    "hint.vision.picture_formats": "Отправьте файл PNG, JPEG, WebP, GIF или BMP.",
    "error.vision.too_many_pixels": (
        "Картинка «{field}» слишком большая ({size} пикселей): читается не больше {max} мегапикселей."
    ),
    "hint.vision.smaller_picture": "Уменьшите (или обрежьте) картинку и отправьте её снова.",
    "error.vision.text_only_model": "{name} читает только текст и не видит картинок.",
    "hint.vision.pick_vision_model": "Выберите модель, которая читает картинки: {names}.",
    "hint.vision.download_vision_model": (
        "Скачайте на вкладке «Модели» модель, которая читает картинки ({names}), или отправьте сообщение без картинки."
    ),
    "hint.vision.no_vision_model_fits": (
        "Ни одна модель, читающая картинки, не помещается в память этого компьютера: отправьте сообщение без картинки."
    ),
    "error.vision.image_url_missing": "В «{field}» нет картинки: в «image_url» нужен «url».",
    "error.vision.url_not_fetched": (
        "«{field}» — адрес в интернете: LocalAI ничего не загружает из сети, поэтому открыть его не может."
    ),
    "error.vision.not_data_url": "«{field}» — не data URL с картинкой.",
    "error.vision.not_base64": "Data URL в «{field}» не в кодировке base64.",
    "error.vision.bad_base64": "Data URL в «{field}» содержит неверный base64.",
    "hint.vision.data_url": "Отправьте саму картинку как data URL в base64: data:image/png;base64,...",
    "status.vision.loading_processor": "Загружаем обработчик картинок и токенизатор {name}...",
    "error.vision.processor": "Не удалось загрузить обработчик картинок из {folder}: {error}",
    "hint.vision.processor": (
        "Рядом с токенизатором в папке должны лежать файлы обработчика модели (preprocessor_config.json или "
        "processor_config.json): скачайте модель заново."
    ),
    "hint.vision.needs_torchvision": (
        "Обработчику этой модели, вероятно, нужен torchvision, а он не установлен: установите сборку torchvision, "
        "подходящую к вашему torch, или выберите другую модель для картинок (SmolVLM работает и без него)."
    ),
    "error.vision.not_a_vision_processor": "У обработчика в {folder} нет обработчика картинок или токенизатора.",
    "error.vision.no_chat_template": "У модели для картинок в {folder} нет шаблона чата.",
    "hint.vision.chat_template": (
        "Скопируйте в папку файл chat_template.json (или chat_template.jinja) этой модели или скачайте модель заново."
    ),
    "notice.vision.made_smaller": (
        "Картинки уменьшены до {side} пикселей по длинной стороне (больше {name} не читает): {n}."
    ),
    "error.vision.processor_refused": "{name} не смогла принять этот диалог с картинками: {reason}",
    "hint.vision.processor_refused": "Отправьте картинку в новом диалоге, с коротким вопросом.",
    "plan.vision.int8_language_only": "{reason}; int8 для языковой части, часть для картинок остаётся в fp32",
    # (end of vision)
    # -- chat attachments (issue 16) ---------------------------------------------------------
    "attach.documents": "Документы этого чата (убрать — крестик ×)",
    "attach.attached": "Прикреплено: {names}. Задайте вопрос о нём.",
    "attach.ask_about_picture": "Напишите вопрос о картинке и отправьте его.",
    "attach.chip_pages": "📄 {name} · {count} с.",
    "attach.chip_parts": "📄 {name}",
    "attach.sources": "📄 Источники: {parts}",
    "attach.status.searching": "Ищу в документах части, отвечающие на вопрос...",
    "attach.notice.keywords": "Документы просмотрены поиском по словам: {why}",
    "error.attach.too_many": "В этом разговоре уже предельное число документов ({max}).",
    "error.attach.too_much": "Документы этого разговора вместе заняли бы больше {mb} МБ.",
    "hint.attach.new_chat": "Уберите ненужный документ (крестик над полем сообщения) или начните новый чат.",
    "error.attach.no_room": "Разговор уже занимает весь контекст модели: для документов места не осталось.",
    "hint.attach.no_room": "Начните новый чат для вопросов о документах или уменьшите длину ответа в настройках.",
    "attach.draw_this": "Нарисовать",
    "attach.ask_in_chat": "Спросить в чате",
    "attach.ask_default": "Что на этой картинке?",
    "attach.nothing_to_draw": "Рисовать пока нечего: сначала задайте вопрос.",
    # (end of chat attachments)
    # -- ollama (issue 17) ---------------------------------------------------------
    "error.ollama.model_required": "нужно поле model: имя модели",
    "hint.ollama.models": "Модели на этом сервере: {names} (их список выдаёт GET /api/tags).",
    "error.ollama.unknown_model": "модель '{name}' не найдена",
    "error.ollama.not_supported": "LocalAI не поддерживает {route}.",
    "hint.ollama.models_tab": "Скачивайте, добавляйте и удаляйте модели на вкладке «Модели» LocalAI.",
    "hint.ollama.routes": "Здесь есть GET /api/version, GET /api/tags, GET /api/ps, POST /api/show, POST /api/chat, "
                          "POST /api/generate, POST /api/embed и POST /api/embeddings.",
    "error.ollama.format": "«format» должно быть \"json\" или схемой JSON (объектом).",
    "error.ollama.no_thinking": "Модель «{name}» не умеет рассуждать перед ответом («think»).",
    "error.ollama.raw": "Запросы с «raw» не поддерживаются: запрос всегда проходит через шаблон чата модели.",
    "hint.ollama.raw": "Уберите «raw» и отправьте текст без служебных токенов шаблона.",
    "error.ollama.unsupported_field": "Поле «{field}» этот сервер не поддерживает.",
    "error.ollama.images_list": "«{field}» должно быть списком картинок в base64.",
    "error.ollama.image_base64": "«{field}» — не картинка в base64.",
    "hint.ollama.image_base64": "Отправьте каждый файл картинки строкой base64 (data URL тоже подойдёт).",
    "error.ollama.no_truncate_false": "«truncate»: false не поддерживается: каждый текст обрезается по окну модели.",
    "hint.ollama.truncate": "Уберите «truncate» или сами разбейте длинные тексты на части.",
    # (end of ollama)
    # -- tools (issue 17) ---------------------------------------------------------
    "error.tools.no_template": (
        "В шаблоне чата {name} нет поддержки инструментов: модели нельзя показать инструменты."
    ),
    "hint.tools.pick_model": (
        "Выберите модель, обученную работе с инструментами (Qwen2.5 Instruct, Llama 3.1 Instruct, "
        "Mistral Instruct v0.3), или отправьте запрос без «tools»."
    ),
    "error.tools.backend": (
        "{name} здесь не может получать инструменты: вызов инструментов работает с локальными текстовыми "
        "моделями (папки transformers и файлы GGUF), а не с удалёнными моделями и не с моделями, читающими картинки."
    ),
    "error.tools.too_many": "В «{field}» {value} инструментов; принимается не больше {max}.",
    "error.tools.duplicate": "Два инструмента называются «{name}» («{field}»): у каждой функции должно быть своё имя.",
    "error.tools.type": "«{field}» равно «{type}»; поддерживаются только инструменты типа «function».",
    "error.tools.name": (
        "«{field}» должно быть именем функции из 1–64 латинских букв, цифр, подчёркиваний или дефисов."
    ),
    "error.tools.parameters_type": (
        "«{field}» должно быть «object»: параметры функции — это JSON-схема объекта."
    ),
    "error.tools.bad_schema": "«{field}» — не правильная JSON-схема: {reason}",
    "error.tools.choice": (
        "«{field}» должно быть «auto», «none», «required» или объектом, называющим функцию («function.name»)."
    ),
    "error.tools.choice_unknown": "«{field}» называет «{name}», а такого инструмента в запросе нет: {names}.",
    "error.tools.choice_without_tools": "«{field}» требует вызова инструмента, но в запросе нет инструментов.",
    "error.tools.no_pictures": "В {item} есть картинка; вызовы инструментов и их результаты — только текст.",
    "error.tools.call_id_missing": (
        "{item} — сообщение инструмента без «tool_call_id»: укажите, на какой вызов оно отвечает."
    ),
    "error.tools.call_id_unknown": (
        "{item} отвечает на вызов «{id}», которого не было ни в одном прежнем ответе ассистента."
    ),
    "error.tools.arguments": "«{field}» должно быть JSON-объектом или его JSON-текстом.",
    # (end of tools)
    # -- structured output (issue 17) ---------------------------------------------------------
    "error.structured.not_object": "«{field}» должен быть объектом с полем «type»: text, json_object или json_schema.",
    "error.structured.type": "«{field}» равно {value}, а должно быть одним из: {types}.",
    "error.structured.json_schema": "«{field}» должен быть объектом, в поле «schema» которого лежит JSON Schema.",
    "error.structured.schema": "«{field}» должен быть JSON Schema: объектом (или true / false).",
    "hint.structured.format": (
        "Чтобы получить JSON по схеме, передайте response_format с type json_schema и схемой в "
        "json_schema.schema; для любого JSON-объекта — type json_object."),
    "error.structured.bad_schema": "JSON Schema в «{field}» нельзя использовать, чтобы ограничить ответ: {reason}.",
    "hint.structured.bad_schema": (
        "Проверьте схему (типы, properties, required, items, enum и $ref) и отправьте её снова; "
        "в причине сказано, что в ней неверно или не поддерживается."),
    # (end of structured output)
    # -- completions (issue 17) ---------------------------------------------------------
    "error.complete.prompt_required": "Нужно поле «prompt»: текст, который модель продолжит.",
    "error.complete.prompt_kind": "«prompt» должно быть строкой (или списком из одной строки).",
    "error.complete.tokens": "Номера токенов здесь не принимаются: у каждой модели свои токены.",
    "hint.complete.send_text": "Пришлите запрос текстом, в поле «prompt».",
    "error.complete.one_prompt": "Прислано запросов: {count}; этот сервер продолжает один запрос за раз.",
    "hint.complete.one_prompt": "Отправьте каждый запрос отдельно.",
    "error.complete.not_supported": "«{field}» в продолжениях текста этот сервер не поддерживает.",
    "hint.complete.not_supported": "Уберите поле «{field}».",
    "error.complete.empty_prompt": "Запрос пуст: продолжать нечего.",
    "error.complete.too_long": "В запросе {n} токенов, а {name} читает всего не больше {context}.",
    "hint.complete.shorten": "Сократите запрос или возьмите модель с более длинным контекстом.",
    "error.complete.remote": "Продолжение текста недоступно для удалённых моделей ({name}): их серверам "
                             "отправляются только запросы чата.",
    "error.complete.vision": "{name} — модель с картинками: она отвечает только в чате, а не продолжает текст.",
    "error.complete.chat_only": "{name} не умеет продолжать текст как есть: её движок отвечает только в чате.",
    "hint.complete.use_chat": "Используйте с этой моделью /v1/chat/completions или возьмите текстовую модель на "
                              "этом компьютере (GET /v1/models показывает, что умеет каждая).",
    "error.complete.no_text": "Продолжение закончилось без результата.",
    # (end of completions)
})
