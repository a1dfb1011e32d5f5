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
        from localai.check_report import run_check

        return run_check(settings)
    try:
        return serve(settings)
    except UserError as exc:
        print(f"\nLocalAI cannot start: {exc}\n", file=sys.stderr)
        return 2


def serve(settings) -> int:  # noqa: ANN001 - Settings, imported lazily above
    from localai.access import access_for
    from localai.auth import load_api_key, load_logins

    from localai.check_report import folders_ready

    logins = load_logins(settings)  # first: a refused --share or a bad login file stops before slow imports
    access = access_for(settings, logins)  # the admin: --admin, else the first login
    api_key = load_api_key(settings)
    if not folders_ready(settings):  # a read-only folder: named, with what to do (a full disk: a warning)
        return 2

    from localai.api import app_kwargs as api_app_kwargs
    from localai.guards import guard_middleware, login_note
    from localai.http_guard import http_guard_kwargs
    from localai.idle_polling import calm_idle_polling
    from localai.page_api import keep_page_handlers_private
    from localai.serving import choose_port, lan_urls, language_middleware
    from localai.state import build_state
    from localai.ui import build_ui, page_css, page_head, page_theme
    from localai.ui.translator import gradio_i18n

    port = choose_port(settings)  # --port: that port or a clear refusal
    for folder in (settings.models_dir / "text", settings.models_dir / "image", settings.data_dir):
        folder.mkdir(parents=True, exist_ok=True)
    state = build_state(settings, access=access)
    demo = build_ui(state)
    demo.queue(max_size=settings.max_queue * 4, default_concurrency_limit=None)
    calm_idle_polling(demo)  # Gradio polls its queue 1,000 times a second when idle: ~5% of a core
    if settings.share:
        print("WARNING: --share opens a public link through third-party (Gradio) servers: your prompts, answers "
              "and images pass through them, and anyone with the link can reach the login page.", flush=True)
    settings.outputs_dir.mkdir(parents=True, exist_ok=True)
    app_kwargs = api_app_kwargs(state.services, api_key)  # the OpenAI-compatible /v1 routes
    app_kwargs["middleware"] = [*app_kwargs.get("middleware", []), *language_middleware(settings.lang),  # --lang
                                *guard_middleware()]  # file inputs take uploads only; login attempts throttled
    app_kwargs = http_guard_kwargs(settings, app_kwargs)  # Host/Origin checks, body limits, security headers
    keep_page_handlers_private(demo)  # no API description of the page's handlers (the login page embedded it)
    demo.launch(
        server_name=settings.host,
        server_port=port,
        inbrowser=settings.open_browser,
        auth=logins.gradio_auth() if logins.pairs else None,
        auth_message=login_note(settings.lang) if logins.pairs else None,
        share=settings.share,
        max_file_size=f"{settings.max_upload_mb}mb",  # Gradio checks each uploaded file too
        app_kwargs=app_kwargs,
        i18n=gradio_i18n(settings.lang),  # the page's texts, English or Russian (forced by --lang)
        css=page_css(),
        head=page_head(),
        theme=page_theme(),
        footer_links=[],
        show_error=False,
        quiet=True,
        prevent_thread_lock=True,
    )
    # Hardware detection imports torch (seconds): on the torch lane, once the page is up.
    state.lanes.torch.submit(lambda job: state.hardware(), description="detect hardware")
    shown_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    print(f"\nLocalAI is running at http://{shown_host}:{port}  (ready in {time.perf_counter() - STARTED:.1f} s)")
    if settings.listen:
        urls = lan_urls(settings.host, port)
        print(f"Shared on your network at {', '.join(urls) or f'http://<this computer address>:{port}'}")
    if logins.generated:
        user, password = logins.pairs[0]
        print(f"Login: user '{user}', password '{password}'  (choose your own with --auth user:password)")
    if demo.share_url:
        print(f"Public link (through third-party servers): {demo.share_url}")
    print(f"OpenAI-compatible API: http://{shown_host}:{port}/v1", end="")
    if api_key.generated:
        print(f"  (API key: {api_key.key}  -- choose your own with --api-key)")
    elif api_key.key:
        print("  (API key: the one given with --api-key)")
    else:
        print("  (no key needed on this computer)")
    print("Press Ctrl+C to stop.\n", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("Stopping LocalAI...")
    finally:
        state.lanes.shutdown()
        demo.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
