#!/usr/bin/env bash
# LocalAI: one command to install and start, on Linux and macOS.
#
#   ./launch.sh [app.py options]   install what is missing (first run: several minutes),
#                                  then start LocalAI; every option goes to app.py
#   ./launch.sh --install-only     install, then exit
#
# Environment variables (all optional):
#   LOCALAI_PYTHON=/path/to/python3.11   Python to build the environment with (3.10 to 3.13, 64-bit)
#   LOCALAI_VENV=/path/to/venv           where the environment lives (default: .venv in this folder)
#   LOCALAI_TORCH=cpu|cuda|rocm|mps|skip which PyTorch build to install (default: guessed from the GPU)
#   LOCALAI_TORCH_PIP="torch==2.13.0"    replaces the pip arguments for PyTorch (mirrors, pinning)
#   LOCALAI_DRY_RUN=1                    print the commands (prefixed "+ ") instead of running them
#
# A stamp file (.venv/.localai-install) remembers what was installed; while requirements.txt and the
# PyTorch choice stay the same, the install is skipped and the app starts in seconds.
# Keep this file compatible with bash 3.2 (macOS): no ${x,,}, no mapfile, no empty "${arr[@]}".
set -euo pipefail
unset CDPATH

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
cd -- "$ROOT"

STAMP_VERSION="localai-install v1"
INSTALL_ONLY=0
if [ "${1:-}" = "--install-only" ]; then
    INSTALL_ONLY=1
    shift
fi

VENV="${LOCALAI_VENV:-$ROOT/.venv}"
case "$VENV" in
    /*) ;;
    *) VENV="$ROOT/$VENV" ;;
esac
VPY="$VENV/bin/python"
STAMP="$VENV/.localai-install"
CONSTRAINTS="$VENV/.localai-constraints.txt"
OS="$(uname -s)"
ARCH="$(uname -m)"

say() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }
die() {
    printf '\nERROR: %s\n' "$1" >&2
    shift
    local line
    for line in "$@"; do printf '  %s\n' "$line" >&2; done
    exit 1
}
is_dry() { [ -n "${LOCALAI_DRY_RUN:-}" ] && [ "${LOCALAI_DRY_RUN}" != "0" ]; }
# Print a command the way bash would read it back: "+ cmd arg 'arg with space'".
show() {
    local out="+" a
    for a in "$@"; do out="$out $(printf '%q' "$a")"; done
    printf '%s\n' "$out"
}
run() {
    if is_dry; then show "$@"; else "$@"; fi
}

[ -f requirements.txt ] || die "requirements.txt is missing from $ROOT." \
    "Download the whole LocalAI folder again (launch.sh needs the files next to it)."

# ---------------------------------------------------------------- which PyTorch build
KIND=""
REASON=""
HINT=""
detect_torch_kind() {
    local gpu=""
    if gpu="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null)" && [ -n "$gpu" ]; then
        KIND=cuda
        REASON="NVIDIA GPU found ($(printf '%s' "$gpu" | head -n 1))"
        HINT="set LOCALAI_TORCH=cpu to override"
    elif [ "$OS" = "Linux" ] && { [ -e /dev/kfd ] || rocminfo >/dev/null 2>&1; }; then
        KIND=rocm
        REASON="AMD GPU found (ROCm driver present)"
        HINT="set LOCALAI_TORCH=cpu to override"
    elif [ "$OS" = "Darwin" ] && [ "$ARCH" = "arm64" ]; then
        KIND=mps
        REASON="Apple Silicon Mac"
        HINT="set LOCALAI_TORCH=cpu to override"
    elif [ "$OS" = "Darwin" ]; then
        KIND=cpu
        REASON="Intel Mac (no GPU support in PyTorch)"
        HINT="set LOCALAI_TORCH=mps to override"
    else
        KIND=cpu
        REASON="No NVIDIA/AMD GPU found"
        HINT="set LOCALAI_TORCH=cuda to override"
    fi
}

requested="$(printf '%s' "${LOCALAI_TORCH:-auto}" | tr '[:upper:]' '[:lower:]')"
case "$requested" in
    auto | "") detect_torch_kind ;;
    cpu | cuda | rocm | mps | skip)
        KIND="$requested"
        REASON="LOCALAI_TORCH=$requested"
        HINT="unset LOCALAI_TORCH to let LocalAI choose"
        ;;
    *) die "LOCALAI_TORCH=${LOCALAI_TORCH} is not a choice LocalAI knows." \
        "Use one of: cpu, cuda (NVIDIA), rocm (AMD on Linux), mps (Apple), skip (keep the torch you installed)," \
        "or unset LOCALAI_TORCH to let LocalAI choose." ;;
esac
if [ "$KIND" = "cuda" ] && [ "$OS" = "Darwin" ]; then
    die "LOCALAI_TORCH=cuda does not work on macOS: PyTorch has no CUDA build for Macs." \
        "Use LOCALAI_TORCH=mps (Apple Silicon) or LOCALAI_TORCH=cpu."
fi
if [ "$KIND" = "rocm" ] && [ "$OS" != "Linux" ]; then
    die "LOCALAI_TORCH=rocm only works on Linux (PyTorch ROCm builds are Linux-only)." \
        "Use LOCALAI_TORCH=cpu, or unset LOCALAI_TORCH."
fi

TORCH_ARGS=()
case "$KIND" in
    cuda) BUILD="the CUDA 12.8 build of PyTorch"
        TORCH_ARGS=(torch --index-url https://download.pytorch.org/whl/cu128) ;;
    rocm) BUILD="the ROCm 6.4 build of PyTorch"
        TORCH_ARGS=(torch --index-url https://download.pytorch.org/whl/rocm6.4) ;;
    mps) BUILD="the standard PyTorch build (Apple GPU through MPS)"
        TORCH_ARGS=(torch) ;;
    cpu) BUILD="the CPU build of PyTorch"
        if [ "$OS" = "Darwin" ]; then
            TORCH_ARGS=(torch)
        else
            TORCH_ARGS=(torch --index-url https://download.pytorch.org/whl/cpu)
        fi ;;
    skip) BUILD="no PyTorch (keeping the torch already in the environment)" ;;
esac
if [ -n "${LOCALAI_TORCH_PIP:-}" ]; then
    read -r -a TORCH_ARGS <<<"$LOCALAI_TORCH_PIP"
    BUILD="PyTorch via 'pip install ${LOCALAI_TORCH_PIP}' (from LOCALAI_TORCH_PIP)"
fi

# ---------------------------------------------------------------- stamp: skip when nothing changed
hash_stdin() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum | cut -d ' ' -f 1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 | cut -d ' ' -f 1
    else
        cksum | tr ' ' '-'
    fi
}
WANT_STAMP="$(
    {
        printf '%s\n' "$STAMP_VERSION"
        cat requirements.txt
        printf '\n--torch-- %s %s\n' "$KIND" "${TORCH_ARGS[*]-}"
    } | hash_stdin
)"

# ---------------------------------------------------------------- Python
# Prints "VERSION BITS VENV_OK", e.g. "3.11.7 64 1".
PROBE='import sys
v = sys.version_info
bits = 64 if sys.maxsize > 2**32 else 32
try:
    import venv, ensurepip
    ok = 1
except Exception:
    ok = 0
print("%d.%d.%d %d %d" % (v[0], v[1], v[2], bits, ok))'

PY=""
PY_VER=""
PY_BITS=""
PY_VENV_OK=""
probe_python() { # $1 = python; sets PY_VER PY_BITS PY_VENV_OK; fails when it does not run
    local info
    info="$("$1" -c "$PROBE" 2>/dev/null)" || return 1
    read -r PY_VER PY_BITS PY_VENV_OK <<<"$info" || return 1
    [ -n "$PY_VER" ] && [ -n "$PY_BITS" ]
}
version_ok() { # uses PY_VER / PY_BITS
    local major minor rest
    major="${PY_VER%%.*}"
    rest="${PY_VER#*.}"
    minor="${rest%%.*}"
    case "$major$minor" in *[!0-9]*) return 1 ;; esac
    [ "$major" -eq 3 ] && [ "$minor" -ge 10 ] && [ "$minor" -le 13 ] && [ "$PY_BITS" = "64" ]
}
find_python() {
    local candidates=() c path found=""
    if [ -n "${LOCALAI_PYTHON:-}" ]; then
        candidates=("$LOCALAI_PYTHON")
    else
        candidates=(python3.12 python3.11 python3.10 python3.13 python3 python)
    fi
    for c in "${candidates[@]}"; do
        path="$(command -v -- "$c" 2>/dev/null)" || continue
        probe_python "$path" || continue # e.g. a pyenv shim for a version that is not installed
        if version_ok; then
            PY="$path"
            return 0
        fi
        [ -n "$found" ] || found="Python $PY_VER ($PY_BITS-bit) at $path"
    done
    if [ -n "$found" ]; then
        found="Found $found."
    elif [ -n "${LOCALAI_PYTHON:-}" ]; then
        found="LOCALAI_PYTHON=$LOCALAI_PYTHON does not run as a Python interpreter."
    else
        found="No Python found on PATH."
    fi
    die "LocalAI needs Python 3.10 to 3.13 (64-bit). $found" \
        "Install Python 3.11 from https://www.python.org/downloads/ and run ./launch.sh again," \
        "or set LOCALAI_PYTHON=/path/to/python3.11." \
        "(Ubuntu/Debian: sudo apt install python3.11 python3.11-venv; macOS: brew install python@3.11)"
}

ensure_venv() {
    if [ -x "$VPY" ] && probe_python "$VPY"; then
        if ! version_ok; then
            die "The existing environment $VENV uses Python $PY_VER ($PY_BITS-bit); LocalAI needs 3.10 to 3.13 (64-bit)." \
                "Delete the folder \"$VENV\" and run ./launch.sh again (with LOCALAI_PYTHON=/path/to/python3.11 if needed)."
        fi
        say "Using the existing environment $VENV (Python $PY_VER)."
        return 0
    fi
    find_python
    if [ "$PY_VENV_OK" != "1" ]; then
        local minor="${PY_VER#*.}"
        minor="${minor%%.*}"
        die "Python $PY_VER at $PY cannot create virtual environments: its venv module is missing." \
            "On Debian/Ubuntu run: sudo apt install python3-venv   (or python3.$minor-venv), then run ./launch.sh again."
    fi
    say "Creating the Python environment in $VENV with Python $PY_VER ($PY)..."
    run "$PY" -m venv "$VENV" || die "Could not create the Python environment in $VENV." \
        "On Debian/Ubuntu run: sudo apt install python3-venv, delete the folder \"$VENV\", and run ./launch.sh again."
}

# A CPU-only torch left in the environment satisfies "pip install torch" from the CUDA index
# ("Requirement already satisfied"), so a wrong build must be removed before installing.
remove_wrong_torch() {
    [ -n "${LOCALAI_TORCH_PIP:-}" ] && return 0
    [ -x "$VPY" ] || return 0
    local have wrong=""
    have="$("$VPY" -c 'from importlib.metadata import version; print(version("torch"))' 2>/dev/null)" || return 0
    case "$KIND" in
        cuda) case "$have" in *+cpu* | *+rocm*) wrong=1 ;; esac ;;
        rocm) case "$have" in *+rocm*) ;; *) wrong=1 ;; esac ;;
        cpu) if [ "$OS" != "Darwin" ]; then case "$have" in *+cpu*) ;; *) wrong=1 ;; esac; fi ;;
    esac
    if [ -n "$wrong" ]; then
        say "The PyTorch in the environment ($have) is not $BUILD -> replacing it."
        run "$VPY" -m pip uninstall -y torch
    fi
}

VERIFY='import torch; m = getattr(torch.backends, "mps", None); print(torch.__version__); print(torch.cuda.is_available()); print(bool(m is not None and m.is_available()))'

verify_torch() {
    if is_dry; then
        show "$VPY" -c "$VERIFY"
        return 0
    fi
    local out ver cuda mps
    if ! out="$("$VPY" -c "$VERIFY" 2>&1)"; then
        if [ "$KIND" = "skip" ] && [ -z "${LOCALAI_TORCH_PIP:-}" ]; then
            warn "WARNING: PyTorch does not import in $VENV (LOCALAI_TORCH=skip). Install it yourself: $VPY -m pip install torch"
            return 0
        fi
        die "PyTorch was installed but does not import:" \
            "$(printf '%s' "$out" | tail -n 3)" \
            "Delete the folder \"$VENV\" and run ./launch.sh again. If it keeps failing, try LOCALAI_TORCH=cpu."
    fi
    ver="$(printf '%s\n' "$out" | sed -n 1p)"
    cuda="$(printf '%s\n' "$out" | sed -n 2p)"
    mps="$(printf '%s\n' "$out" | sed -n 3p)"
    case "$KIND" in
        cuda | rocm)
            if [ "$cuda" != "True" ]; then
                local vendor=NVIDIA fix_driver
                fix_driver="Update the NVIDIA driver (https://www.nvidia.com/drivers): CUDA 12.8 builds need a recent driver; then run ./launch.sh again."
                if [ "$KIND" = "rocm" ]; then
                    vendor=AMD
                    fix_driver="Check that 'rocminfo' lists your GPU (ROCm 6.4 driver; add yourself to the render and video groups: sudo usermod -aG render,video \$USER, then log in again). Some Radeon cards need HSA_OVERRIDE_GFX_VERSION."
                fi
                warn ""
                warn "WARNING: PyTorch $ver is installed but cannot use your $vendor GPU (torch.cuda.is_available() is False)."
                case "$ver" in
                    *+cpu*) warn "  A CPU-only PyTorch is installed." ;;
                    *) warn "  The GPU driver may be too old or not loaded." ;;
                esac
                warn "  Fix: 1. $fix_driver"
                warn "       2. Reinstall the $vendor build: delete \"$STAMP\" (or the whole folder \"$VENV\"),"
                warn "          then run: LOCALAI_TORCH=$KIND ./launch.sh"
                warn "  Until then LocalAI runs on the CPU, which is much slower."
                warn ""
            else
                say "PyTorch $ver can use the GPU."
            fi
            ;;
        mps)
            if [ "$mps" != "True" ]; then
                warn "WARNING: PyTorch $ver cannot use the Apple GPU (MPS needs macOS 12.3+ on Apple Silicon); LocalAI will use the CPU."
            fi
            ;;
    esac
}

install_all() {
    say "$REASON -> installing $BUILD ($HINT)"
    is_dry || rm -f -- "$STAMP"
    ensure_venv
    if [ "${#TORCH_ARGS[@]}" -gt 0 ]; then
        remove_wrong_torch
        say "Installing PyTorch (first time: can take several minutes, the download is large)..."
        run "$VPY" -m pip install "${TORCH_ARGS[@]}" || die "Installing PyTorch failed (see the pip messages above)." \
            "Check the internet connection and free disk space (several GB), then run ./launch.sh again." \
            "'No matching distribution found for torch' usually means this Python version has no PyTorch build: use Python 3.11 or 3.12 (LOCALAI_PYTHON)." \
            "To try another build: LOCALAI_TORCH=cpu ./launch.sh"
    fi
    # Pin the torch just installed so that no requirement can silently swap it for another build.
    local req_args=(-r requirements.txt)
    if is_dry; then
        printf '+ echo torch==<installed version> > %q\n' "$CONSTRAINTS"
        req_args+=(-c "$CONSTRAINTS")
    elif "$VPY" -c 'import sys
from importlib.metadata import version
open(sys.argv[1], "w").write("torch==%s\n" % version("torch"))' "$CONSTRAINTS" 2>/dev/null; then
        req_args+=(-c "$CONSTRAINTS")
    else
        rm -f -- "$CONSTRAINTS"
    fi
    say "Installing the other requirements (requirements.txt)..."
    run "$VPY" -m pip install "${req_args[@]}" || die "Installing requirements.txt failed (see the pip messages above)." \
        "Check the internet connection and free disk space, then run ./launch.sh again." \
        "If pip reports a conflict with torch, delete the folder \"$VENV\" and run ./launch.sh again."
    verify_torch
    if is_dry; then
        printf '+ echo %s > %q\n' "$WANT_STAMP" "$STAMP"
    else
        printf '%s\n' "$WANT_STAMP" >"$STAMP"
    fi
    say "Install complete."
}

if [ -x "$VPY" ] && [ -f "$STAMP" ] && [ "$(head -n 1 -- "$STAMP")" = "$WANT_STAMP" ]; then
    say "Dependencies are up to date ($BUILD; $REASON) -> skipping install. (Delete $STAMP to reinstall.)"
else
    install_all
fi

if [ "$INSTALL_ONLY" = "1" ]; then
    say "Start LocalAI with: ./launch.sh"
    exit 0
fi
if is_dry; then
    show exec "$VPY" app.py ${1+"$@"}
    exit 0
fi
[ -f app.py ] || die "app.py is missing from $ROOT." "Download the whole LocalAI folder again."
exec "$VPY" app.py ${1+"$@"}
