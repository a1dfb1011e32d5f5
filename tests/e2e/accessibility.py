"""axe-core in the page: the WCAG 2.1 A/AA checks a person with a screen reader or low vision relies on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


def axe_path() -> Path:
    path = Path(os.environ.get("LOCALAI_AXE", ""))
    if not path.is_file():
        pytest.fail(f"axe-core is not installed ({path or 'LOCALAI_AXE is not set'}). Run the test command (./test.sh), "
                    "which installs it with npm, or set LOCALAI_AXE=/path/to/axe.min.js.")
    return path


def axe_violations(page, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:
    """The violations of ``impacts`` on the page as it is now (hidden parts are not checked by axe)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_path()))
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
                          ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
                          " nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '),"
                          " summary: n.failureSummary}))})))", AXE_TAGS)
    return [v for v in found if v["impact"] in impacts]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['impact']}: {v['id']} ({v['help']})")
        lines += [f"    {n['target']}: {(n['summary'] or '').splitlines()[-1].strip()}" for n in v["nodes"]]
    return "\n".join(lines)
