"""LocalAI entry point: parse the command line, build the app, serve the page."""

from __future__ import annotations

import logging
import sys
import time

STARTED = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    from localai.config import parse_settings
    from localai.errors import UserError
    from localai.serving import apply_privacy_env

    settings = parse_settings(argv)
    apply_privacy_env(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    for noisy in ("httpx", "urllib3", "bitsandbytes"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if settings.check:
        from localai.doctor import run_check

        return run_check(settings)
    try:
        return serve(settings)
    except UserError as exc:
        print(f"\nLocalAI cannot start: {exc}\n", file=sys.stderr)
        return 2


def serve(settings) -> int:  # noqa: ANN001 - Settings, imported lazily above
    from localai.serving import find_free_port, load_logins
    from localai.state import build_state
    from localai.ui import CSS, build_ui

    logins = load_logins(settings)
    port = find_free_port(settings.host, settings.port)
    for folder in (settings.models_dir / "text", settings.models_dir / "image", settings.data_dir):
        folder.mkdir(parents=True, exist_ok=True)
    state = build_state(settings)
    demo = build_ui(state)
    demo.queue(max_size=settings.max_queue * 4, default_concurrency_limit=None)
    # Hardware detection imports torch: do it on the inference worker while the page comes up.
    state.worker.submit(lambda job: state.hardware(), description="detect hardware")
    demo.launch(
        server_name=settings.host,
        server_port=port,
        inbrowser=settings.open_browser,
        auth=list(logins.pairs) or None,
        share=settings.share,
        css=CSS,
        footer_links=[],
        show_error=False,
        quiet=True,
        prevent_thread_lock=True,
    )
    shown_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    print(f"\nLocalAI is running at http://{shown_host}:{port}  (ready in {time.perf_counter() - STARTED:.1f} s)")
    if settings.listen:
        print(f"Shared on your network at http://<this computer's address>:{port}")
    if logins.generated:
        user, password = logins.pairs[0]
        print(f"Login: user '{user}', password '{password}'  (choose your own with --auth user:password)")
    if settings.share:
        print("WARNING: --share sends your traffic through third-party servers and anyone with the link "
              "can reach the login page.")
    print("Press Ctrl+C to stop.\n", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("Stopping LocalAI...")
    finally:
        state.worker.shutdown()
        demo.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
