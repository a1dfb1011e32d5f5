"""The system check's result in words, in English or Russian: as console text for
``python app.py --check`` (``run_check``) and as Markdown for the page's System check tab.

Both show the same things from the same rows: each problem with its fix, then what was found on
this computer. No gradio here, so ``--check`` works even when the web libraries are broken.
The facts and the diagnosis come from ``doctor``, which knows nothing of this module.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from . import doctor
from .config import Settings
from .doctor import Problem, SystemFacts
from .messages import Message, language_from_environment, normalize, render, text
from .remote_check import check_remote_servers, remote_problems, remote_rows
from .sizes import format_bytes

log = logging.getLogger(__name__)


def _code(value: str) -> str:
    return f"`{value}`"


def _md(value: str) -> str:
    """Plain text safe inside Markdown: special characters escaped, `code spans` kept as they are."""
    parts = value.split("`")
    return "`".join(re.sub(r"([\\*_<>\[\]#|])", r"\\\1", p) if i % 2 == 0 else p for i, p in enumerate(parts))


def facts_rows(facts: SystemFacts, models_dir: Path | str, plan: Message | None, lang: str,
               code: Callable[[str], str] = str) -> list[tuple[str, str]]:
    """(label, value) for each thing the check found; ``code`` marks paths (backticks in Markdown)."""
    hw = facts.hardware
    if hw is None:
        hardware = text(lang, "check.unknown_hardware", why=facts.hardware_error or text(lang, "check.no_torch"))
    elif hw.has_gpu:
        hardware = text(lang, "check.gpu_memory", device=hw.accelerator.upper(), name=hw.device_name,
                        free=format_bytes(hw.free_vram), total=format_bytes(hw.total_vram))
    else:
        hardware = text(lang, "check.cpu", name=hw.cpu_name or hw.device_name, threads=hw.cpu_threads)
    if hw is not None:
        ram = text(lang, "models.free_of", free=format_bytes(hw.available_ram), total=format_bytes(hw.total_ram))
        hardware += f" · {text(lang, 'check.ram')}: {ram} · bf16: {text(lang, 'common.yes' if hw.bf16 else 'common.no')}"
        if hw.cpu_int8_speedup:
            hardware += " · " + text(lang, "check.cpu_int8", speedup=f"{hw.cpu_int8_speedup:.1f}")
    gpu = (text(lang, "check.nvidia", driver=facts.nvidia_driver, cuda=facts.nvidia_max_cuda) if facts.nvidia_gpu
           else text(lang, "check.amd") if facts.amd_gpu else text(lang, "check.no_gpu"))
    gpu += "; " + text(lang, "check.torch_build", build=facts.torch_build or text(lang, "check.none"),
                       usable=text(lang, "common.yes" if facts.cuda_available else "common.no"))
    bnb = text(lang, "models.bnb_works") if facts.bnb_ok else text(
        lang, "models.bnb_broken", why=facts.bnb_problem or text(lang, "models.not_installed"))
    libs = ", ".join(f"{name} {version or text(lang, 'check.missing')}" for name, version in facts.versions)
    py = ".".join(map(str, facts.python))
    return [
        (text(lang, "check.python"), text(lang, "check.python_value", version=py, bits=64 if facts.is_64bit else 32,
                                          os=facts.os_name, path=code(facts.executable))),
        (text(lang, "check.hardware"), hardware),
        (text(lang, "check.gpu"), gpu),
        (text(lang, "check.bnb"), bnb),
        (text(lang, "check.libraries"), libs),
        (text(lang, "check.disk"), text(lang, "check.disk_value", free=format_bytes(facts.free_disk),
                                        path=code(str(models_dir)))),
        (text(lang, "check.chat_model"), render(plan, lang) if plan else text(lang, "check.no_default")),
    ]


def check_markdown(facts: SystemFacts, models_dir: Path | str, plan: Message | None, problems: Sequence[Problem],
                   lang: str) -> str:
    """The page's rendering: each problem with its fix, then what was found on this computer."""
    lines = [text(lang, "check.found", count=len(problems)) if problems else text(lang, "check.ok")]
    for p in problems:
        label = text(lang, "check.blocker" if p.severity == "blocker" else "check.warning")
        lines.append(f"**{label}:** {_md(render(p.title, lang))}  \n"
                     f"**{text(lang, 'check.fix')}:** {_md(render(p.fix, lang))}")
    rows = facts_rows(facts, models_dir, plan, lang, code=_code)
    lines.append(f"---\n**{text(lang, 'check.facts')}**\n\n" + "\n".join(f"- **{label}:** {_md(value)}"
                                                                       for label, value in rows))
    return "\n\n".join(lines)


def check_text(facts: SystemFacts, models_dir: Path | str, plan: Message | None, problems: Sequence[Problem],
               lang: str = "en", extra_rows: Sequence[tuple[str, str]] = ()) -> str:
    """The console rendering (``--check``): what was found (``extra_rows`` after it: the remote servers), then
    each problem with its fix."""
    rows = [*facts_rows(facts, models_dir, plan, lang), *extra_rows]
    width = max(len(label) for label, _ in rows) + 1
    lines = [text(lang, "check.console_title")]
    lines += [f"  {label + ':':<{width}} {value}" for label, value in rows]
    lines.append("")
    lines += problem_lines(problems, lang)
    if not problems:
        lines.append(text(lang, "check.console_ok"))
    return "\n".join(lines)


def problem_lines(problems: Sequence[Problem], lang: str = "en") -> list[str]:
    """Each problem and its fix, two console lines each."""
    fix, lines = text(lang, "check.fix"), []
    for p in problems:
        severity = text(lang, "check.console_blocker" if p.severity == "blocker" else "check.console_warning")
        lines += [f"{severity}: {render(p.title, lang)}", f"  {fix}: {render(p.fix, lang)}"]
    return lines


def console_language(settings: Settings, environ: Mapping[str, str] | None = None) -> str:
    """--lang, else the console's language."""
    return normalize(settings.lang) if settings.lang else language_from_environment(
        os.environ if environ is None else environ)


def folders_ready(settings: Settings) -> bool:
    """The start-up check of the folders LocalAI writes to (milliseconds): prints each problem with its fix
    (a read-only folder, a nearly full disk) and says whether LocalAI can start."""
    problems = doctor.startup_problems(settings)
    blocked = any(p.severity == "blocker" for p in problems)
    if problems:
        lang = console_language(settings)
        head = [text(lang, "check.cannot_start")] if blocked else []
        print("\n".join(["", *head, *problem_lines(problems, lang), ""]), file=sys.stderr, flush=True)
    return not blocked


def run_check(settings: Settings, environ: Mapping[str, str] | None = None) -> int:
    """``python app.py --check``: print the system check in ``--lang`` (else the console's language).

    Returns 1 when something blocks running LocalAI, else 0.
    """
    lang = console_language(settings, environ)
    try:
        facts = doctor.gather_facts(settings)
        plan_line, spec, plan_problems = doctor.plan_default_model(settings, facts)
        remotes = check_remote_servers(settings)
        problems = doctor.diagnose(facts, settings, spec) + plan_problems + remote_problems(remotes)
        print(check_text(facts, settings.models_dir, plan_line, problems, lang, remote_rows(remotes, lang)), flush=True)
        return 1 if any(p.severity == "blocker" for p in problems) else 0
    except Exception as exc:
        log.debug("system check failed", exc_info=True)
        print(text(lang, "check.failed", error=f"{type(exc).__name__}: {exc}"), flush=True)
        return 1
