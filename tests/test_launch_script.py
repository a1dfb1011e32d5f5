"""launch.sh: Python and PyTorch choice, install order, stamp, paths with spaces, pass-through.

Fast and offline: launch.sh runs with LOCALAI_DRY_RUN=1 (it prints the commands instead of
running them) or against a fake virtual environment whose pip only logs, with fake
`nvidia-smi` / `rocminfo` / Python programs first on PATH. Each test copies launch.sh and
requirements.txt into a temporary project folder whose name contains a space.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAUNCH = REPO / "launch.sh"
REAL_PYTHON = sys.executable
BASH = shutil.which("bash")

pytestmark = pytest.mark.skipif(BASH is None or os.name == "nt", reason="launch.sh needs bash (Linux/macOS)")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PyTorch index choice checked for Linux")

CPU_INDEX = "https://download.pytorch.org/whl/cpu"
CUDA_INDEX = "https://download.pytorch.org/whl/cu128"
ROCM_INDEX = "https://download.pytorch.org/whl/rocm6.4"


def _write_exe(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def fake_python(path: Path, version=(3, 11, 7), bits=64, has_venv=True) -> Path:
    """A Python that runs `-c CODE` with the real interpreter but reports another version/bitness."""
    prelude = [f"import sys; sys.version_info = ({version[0]}, {version[1]}, {version[2]}, 'final', 0)"]
    if bits == 32:
        prelude.append("sys.maxsize = 2**31 - 1")
    if not has_venv:
        prelude.append("sys.modules['ensurepip'] = None")  # what Debian's python3 without python3-venv looks like
    prelude.append("exec(compile(sys.argv.pop(1), '<string>', 'exec'))")
    code = "\n".join(prelude)
    return _write_exe(
        path,
        "#!/usr/bin/env bash\n"
        'if [ "$1" = "-c" ]; then\n'
        '  code="$2"; shift 2\n'
        f'  exec {shlex.quote(REAL_PYTHON)} -c {shlex.quote(code)} "$code" "$@"\n'
        "fi\n"
        'echo "fake python: unexpected call: $*" >&2\n'
        "exit 99\n",
    )


class Project:
    """A copy of launch.sh + requirements.txt in a folder whose path contains a space."""

    def __init__(self, tmp_path: Path):
        self.root = tmp_path / "My LocalAI folder"
        self.root.mkdir()
        shutil.copy2(LAUNCH, self.root / "launch.sh")
        shutil.copy2(REPO / "requirements.txt", self.root / "requirements.txt")
        self.bin = tmp_path / "fake bin"
        self.bin.mkdir()
        self.elsewhere = tmp_path / "some other cwd"
        self.elsewhere.mkdir()
        self.venv = self.root / ".venv"
        self.vpy = self.venv / "bin" / "python"
        self.stamp = self.venv / ".localai-install"
        self.pip_log = tmp_path / "pip calls.log"
        self.python = fake_python(tmp_path / "pythons here" / "python3.11")
        self.gpu(None)

    def gpu(self, kind):
        """kind: None (no GPU tools work), 'nvidia' (nvidia-smi works) or 'amd' (rocminfo works)."""
        nvidia = (
            'echo "NVIDIA GeForce RTX 4090"; exit 0' if kind == "nvidia" else 'echo "NVIDIA-SMI has failed" >&2; exit 9'
        )
        rocm = "echo 'Agent 2 gfx1100'; exit 0" if kind == "amd" else "exit 1"
        _write_exe(self.bin / "nvidia-smi", f"#!/usr/bin/env bash\n{nvidia}\n")
        _write_exe(self.bin / "rocminfo", f"#!/usr/bin/env bash\n{rocm}\n")

    def make_fake_venv(self):
        """A venv whose python is the real one plus a fake CPU-only torch, and whose pip only logs."""
        site = self.root.parent / "fake site"
        (site / "torch").mkdir(parents=True)
        (site / "torch" / "__init__.py").write_text(
            '__version__ = "2.13.0+cpu"\n'
            "class cuda:\n    @staticmethod\n    def is_available():\n        return False\n"
            "class backends:\n    mps = None\n"
        )
        dist = site / "torch-2.13.0+cpu.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: torch\nVersion: 2.13.0+cpu\n")
        _write_exe(
            self.vpy,
            "#!/usr/bin/env bash\n"
            'if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then\n'
            f'  printf "%s\\n" "${{*:3}}" >> {shlex.quote(str(self.pip_log))}\n'
            '  if [ -n "${FAKE_PIP_FAIL:-}" ] && [[ "$*" == *"$FAKE_PIP_FAIL"* ]]; then echo "pip: failed" >&2; exit 1; fi\n'
            "  exit 0\n"
            "fi\n"
            f'PYTHONPATH={shlex.quote(str(site))} exec {shlex.quote(REAL_PYTHON)} "$@"\n',
        )

    def pip_calls(self):
        return self.pip_log.read_text().splitlines() if self.pip_log.exists() else []

    def run(self, *args, dry=True, **env_extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCALAI_", "FAKE_"))}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env.setdefault("LOCALAI_PYTHON", str(self.python))
        if dry:
            env["LOCALAI_DRY_RUN"] = "1"
        env.update({k: str(v) for k, v in env_extra.items() if v is not None})
        for k, v in env_extra.items():
            if v is None:
                env.pop(k, None)
        proc = subprocess.run(
            [str(self.root / "launch.sh"), *args],
            check=False,
            cwd=self.elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return Result(proc)


class Result:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.text = proc.stdout + proc.stderr
        self.commands = [shlex.split(line[2:]) for line in proc.stdout.splitlines() if line.startswith("+ ")]

    def pip_installs(self):
        return [c for c in self.commands if c[1:4] == ["-m", "pip", "install"]]

    def torch_install(self):
        (cmd,) = [c for c in self.pip_installs() if "-r" not in c]
        return cmd[4:]

    def requirements_install_index(self):
        return next(i for i, c in enumerate(self.commands) if c[1:4] == ["-m", "pip", "install"] and "-r" in c)

    def stamp_written(self):
        m = re.search(r"^\+ echo (\S+) > ", self.out, re.MULTILINE)
        return m.group(1) if m else None

    def exec_line(self):
        execs = [c for c in self.commands if c[0] == "exec"]
        return execs[0] if execs else None

    def __repr__(self):
        return f"rc={self.rc}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


@pytest.fixture
def project(tmp_path):
    return Project(tmp_path)


def test_scripts_are_executable_and_parse():
    for name in ("launch.sh", "test.sh", ".ci/run"):
        path = REPO / name
        assert path.exists(), name
        assert os.access(path, os.X_OK), f"{name} lost its executable bit"
        proc = subprocess.run([BASH, "-n", str(path)], check=False, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


@linux_only
def test_nvidia_gpu_gets_cuda_build_then_requirements(project):
    project.gpu("nvidia")
    r = project.run("--install-only")
    assert r.rc == 0, r
    assert "NVIDIA GPU found (NVIDIA GeForce RTX 4090)" in r.out
    venv_cmd = r.commands[0]
    assert venv_cmd == [str(project.python), "-m", "venv", str(project.venv)], r
    assert r.torch_install() == ["torch", "--index-url", CUDA_INDEX]
    torch_i = next(i for i, c in enumerate(r.commands) if c[4:5] == ["torch"])
    assert torch_i < r.requirements_install_index(), "torch must be installed before requirements.txt"
    # the GPU check runs after the install
    assert any(c[1] == "-c" and "torch.cuda.is_available()" in c[2] for c in r.commands[torch_i:]), r
    assert r.exec_line() is None  # --install-only does not start the app


@linux_only
def test_no_gpu_gets_cpu_build(project):
    if os.path.exists("/dev/kfd"):
        pytest.skip("this machine has an AMD ROCm driver (/dev/kfd)")
    r = project.run("--install-only")
    assert r.rc == 0, r
    assert r.torch_install() == ["torch", "--index-url", CPU_INDEX]
    assert "No NVIDIA/AMD GPU found -> installing the CPU build of PyTorch" in r.out
    assert "LOCALAI_TORCH=cuda" in r.out  # tells how to override


@linux_only
def test_amd_gpu_gets_rocm_build(project):
    project.gpu("amd")
    r = project.run("--install-only")
    assert r.rc == 0, r
    assert r.torch_install() == ["torch", "--index-url", ROCM_INDEX]


@linux_only
@pytest.mark.parametrize(
    "override, expected",
    [("cpu", ["torch", "--index-url", CPU_INDEX]), ("ROCM", ["torch", "--index-url", ROCM_INDEX])],
)
def test_localai_torch_override_wins_over_detection(project, override, expected):
    project.gpu("nvidia")
    r = project.run("--install-only", LOCALAI_TORCH=override)
    assert r.rc == 0, r
    assert r.torch_install() == expected
    assert f"LOCALAI_TORCH={override.lower()}" in r.out


def test_localai_torch_skip_installs_no_torch(project):
    r = project.run("--install-only", LOCALAI_TORCH="skip")
    assert r.rc == 0, r
    installs = r.pip_installs()
    assert len(installs) == 1 and "-r" in installs[0], r


def test_unknown_localai_torch_is_refused(project):
    r = project.run("--install-only", LOCALAI_TORCH="cuda11")
    assert r.rc == 1, r
    assert "LOCALAI_TORCH=cuda11" in r.err and "cpu, cuda" in r.err
    assert not r.pip_installs()


def test_localai_torch_pip_replaces_the_whole_torch_spec(project):
    project.gpu("nvidia")
    r = project.run("--install-only", LOCALAI_TORCH_PIP="torch==2.13.0 --find-links /opt/wheels")
    assert r.rc == 0, r
    assert r.torch_install() == ["torch==2.13.0", "--find-links", "/opt/wheels"]


def test_path_with_spaces_and_other_cwd(project):
    assert " " in str(project.root)
    r = project.run("--install-only")
    assert r.rc == 0, r
    (req,) = [c for c in r.pip_installs() if "-r" in c]
    assert req[0] == str(project.vpy)
    assert req[req.index("-r") + 1] == "requirements.txt"  # relative: launch.sh cd's into its own folder
    assert r.torch_install()[0] == "torch"


def test_python_3_8_gets_a_clear_message(project):
    old = fake_python(project.bin / "python3.8", version=(3, 8, 10))
    r = project.run(LOCALAI_PYTHON=old)
    assert r.rc == 1, r
    assert "LocalAI needs Python 3.10 to 3.13 (64-bit)" in r.err
    assert f"Found Python 3.8.10 (64-bit) at {old}" in r.err
    assert "https://www.python.org/downloads/" in r.err and "LOCALAI_PYTHON=" in r.err
    assert not r.commands, "nothing may be installed with an unsupported Python"


def test_32_bit_python_is_refused(project):
    py32 = fake_python(project.bin / "python32", version=(3, 11, 7), bits=32)
    r = project.run(LOCALAI_PYTHON=py32)
    assert r.rc == 1, r
    assert "(32-bit)" in r.err and "64-bit" in r.err


def test_missing_venv_module_names_the_debian_package(project):
    py = fake_python(project.bin / "python3deb", has_venv=False)
    r = project.run(LOCALAI_PYTHON=py)
    assert r.rc == 1, r
    assert "sudo apt install python3-venv" in r.err
    assert not r.commands


def test_python_search_on_path_skips_unsupported_versions(project):
    fake_python(project.bin / "python3.12", version=(3, 8, 10))  # first in the search order, too old
    good = fake_python(project.bin / "python3.11", version=(3, 11, 9))
    r = project.run("--install-only", LOCALAI_PYTHON=None)
    assert r.rc == 0, r
    assert r.commands[0] == [str(good), "-m", "venv", str(project.venv)]


def test_stamp_skips_install_until_requirements_or_torch_choice_change(project):
    first = project.run("--install-only")
    assert first.rc == 0, first
    stamp = first.stamp_written()
    assert stamp and len(stamp) >= 16, first
    # What a successful install leaves behind.
    fake_python(project.vpy)
    project.stamp.write_text(stamp + "\n")

    again = project.run("--port", "7861")
    assert again.rc == 0, again
    assert "skipping install" in again.out
    assert not again.pip_installs()
    assert again.exec_line() == ["exec", str(project.vpy), "app.py", "--port", "7861"]

    changed_torch = project.run("--install-only", LOCALAI_TORCH="skip")
    assert "skipping install" not in changed_torch.out and changed_torch.pip_installs(), changed_torch

    with open(project.root / "requirements.txt", "a") as f:
        f.write("rich>=13\n")
    changed_req = project.run("--install-only")
    assert changed_req.rc == 0, changed_req
    assert "skipping install" not in changed_req.out
    assert changed_req.pip_installs()
    assert changed_req.stamp_written() not in (None, stamp)


def test_arguments_pass_through_to_app_py(project):
    args = ["--listen", "--auth", "me:p w", "--models-dir", "my models", "--text-model", "a*b"]
    r = project.run(*args)
    assert r.rc == 0, r
    assert r.exec_line() == ["exec", str(project.vpy), "app.py", *args]
    assert r.out.rstrip().splitlines()[-1].startswith("+ exec "), "exec is the last thing launch.sh does"


# ------------------------------------------------------------ real runs against a fake venv


def test_real_install_writes_stamp_pins_torch_and_warns_about_cpu_torch_on_gpu(project):
    project.gpu("nvidia")
    project.make_fake_venv()
    r = project.run("--install-only", dry=False)
    assert r.rc == 0, r
    calls = project.pip_calls()
    # the CPU-only torch in the venv would satisfy "pip install torch" from the CUDA index: removed first
    assert calls[0] == "uninstall -y torch", calls
    assert calls[1] == f"install torch --index-url {CUDA_INDEX}", calls
    constraints = project.venv / ".localai-constraints.txt"
    assert calls[2] == f"install -r requirements.txt -c {constraints}", calls
    assert constraints.read_text().strip() == "torch==2.13.0+cpu"
    assert project.stamp.exists()
    # the fake torch says cuda is not available: the user is told, with the fix
    assert "cannot use your NVIDIA GPU" in r.err and "CPU-only PyTorch" in r.err
    assert "driver" in r.err and "LOCALAI_TORCH=cuda" in r.err and ".localai-install" in r.err

    # second start: nothing installed, app.py gets every argument, cwd is the project folder
    (project.root / "app.py").write_text(
        "import json, os, sys\nprint('APP', json.dumps({'argv': sys.argv[1:], 'cwd': os.getcwd()}))\n"
    )
    n_calls = len(calls)
    r2 = project.run("--port", "7861", "a b", "", dry=False)
    assert r2.rc == 0, r2
    assert len(project.pip_calls()) == n_calls, "install must be skipped when nothing changed"
    app_line = next(line for line in r2.out.splitlines() if line.startswith("APP "))
    seen = json.loads(app_line[4:])
    assert seen["argv"] == ["--port", "7861", "a b", ""]
    assert Path(seen["cwd"]).resolve() == project.root.resolve()


@pytest.mark.parametrize("fail_on", ["torch", "-r requirements.txt"])
def test_failed_install_writes_no_stamp(project, fail_on):
    project.make_fake_venv()
    project.stamp.write_text("stale stamp from an older install\n")
    r = project.run("--install-only", dry=False, LOCALAI_TORCH="cpu", FAKE_PIP_FAIL=fail_on)
    assert r.rc == 1, r
    assert "ERROR: Installing" in r.err
    assert not project.stamp.exists()
    # the next run tries again instead of starting a broken app
    r2 = project.run("--install-only", dry=False, LOCALAI_TORCH="cpu")
    assert r2.rc == 0, r2
    assert project.stamp.exists()


# ------------------------------------------------------------ launch.bat (cannot run here: static checks)


def test_launch_bat_labels_line_endings_and_choices():
    bat = (REPO / "launch.bat").read_bytes()
    assert b"\r\n" in bat and b"\n" not in bat.replace(b"\r\n", b""), "launch.bat needs CRLF line endings"
    text = bat.decode("ascii")
    labels = {m.lower() for m in re.findall(r"^:(\w+)", text, re.MULTILINE)}
    targets = {m.lower() for m in re.findall(r"\b(?:goto|call) :(\w+)", text, re.IGNORECASE)}
    assert targets and targets <= labels, f"missing labels: {targets - labels}"
    for needle in (CUDA_INDEX, CPU_INDEX, "LOCALAI_TORCH_PIP", ".localai-install", "app.py %*", "nvidia-smi"):
        assert needle in text, needle
