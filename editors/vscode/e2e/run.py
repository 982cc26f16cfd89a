"""The VS Code extension end to end: a real VS Code (code-server) in a real browser
(Debian's Chromium, driven by Playwright) with the packaged `.vsix` installed, on a copy
of `examples/shop`. It checks what a user sees:

1. an edit in the callee's file (`auth.pluto`: `verify_token` now takes an `int`) puts
   an error marker on the call in the caller's file (`api.pluto`), live, unsaved;
2. a hover on the cross-stage call shows the inferred error set;
3. go to definition from the call jumps across the stage boundary into `auth.pluto`;
4. the code lens on `verify_token` names the unit that calls it;
5. rename from the call site changes the declaration in the other file;
6. semantic tokens: the unit `auth` is highlighted as a namespace;
7. a quick fix (Ctrl+.) propagates an unhandled cross-stage error with `!`;
8. Format Document re-indents a line (saved, read back from disk);
9. a file changed on disk, not open in the editor, updates the diagnostics.

Screenshots of each step go to the artefact directory. Run by `run.sh` (which installs
code-server and builds what it needs); arguments: CODE_SERVER PLUTO VSIX SHOP OUT_DIR.
Every wait is bounded; any failure exits 1 with the step that failed.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from playwright.sync_api import expect, sync_playwright

CODE_SERVER, PLUTO, VSIX, SHOP, OUT = sys.argv[1:6]
WORKSPACE = ""
STEP_TIMEOUT_MS = 60_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"code-server did not answer at {url} within {seconds} s")


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    root = tempfile.mkdtemp(prefix="pluto-vscode-e2e-")
    workspace = os.path.join(root, "shop")
    shutil.copytree(SHOP, workspace)
    global WORKSPACE
    WORKSPACE = workspace
    user_data = os.path.join(root, "user-data")
    extensions = os.path.join(root, "extensions")
    os.makedirs(os.path.join(user_data, "User"))
    with open(os.path.join(user_data, "User", "settings.json"), "w") as f:
        json.dump(
            {
                "pluto.server.path": PLUTO,
                "security.workspace.trust.enabled": False,
                "workbench.startupEditor": "none",
                "workbench.tips.enabled": False,
                "editor.codeLens": True,
                "editor.hover.delay": 200,
                "editor.stickyScroll.enabled": False,
                "telemetry.telemetryLevel": "off",
                "extensions.autoCheckUpdates": False,
                "update.mode": "none",
                "chat.disableAIFeatures": True,
                "workbench.secondarySideBar.defaultVisibility": "hidden",
            },
            f,
        )
    common = ["--user-data-dir", user_data, "--extensions-dir", extensions]
    subprocess.run([CODE_SERVER, *common, "--install-extension", VSIX], check=True, timeout=300)

    port = free_port()
    server = subprocess.Popen(
        [CODE_SERVER, *common, "--auth", "none", "--bind-addr", f"127.0.0.1:{port}",
         "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", workspace],
        stdout=open(os.path.join(OUT, "code-server.log"), "w"),
        stderr=subprocess.STDOUT,
        # Its own process group: code-server's children (the extension host, `pluto lsp`)
        # are stopped with it, not left running.
        start_new_session=True,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", 60)
        drive(f"http://127.0.0.1:{port}/?folder={workspace}")
    finally:
        stop_group(server)
        shutil.rmtree(root, ignore_errors=True)


def stop_group(server: subprocess.Popen) -> None:
    """Stops `server` and every process of its group: SIGTERM, then SIGKILL after 15 s."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def drive(url: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(STEP_TIMEOUT_MS)
        step = "load the workbench"
        try:
            page.goto(url)
            page.locator(".monaco-workbench").wait_for()

            step = "open auth.pluto and change verify_token to take an int"
            open_file(page, "auth.pluto")
            editor_line(page, "pub fn verify_token").wait_for()
            goto_line(page, 7)
            page.keyboard.press("Home")
            page.keyboard.press("Shift+End")
            page.keyboard.insert_text("    pub fn verify_token(token: int) models.User {")
            # The body uses `token` as a string: that error stays in auth.pluto.
            page.screenshot(path=os.path.join(OUT, "1-edit-in-callee.png"))

            step = "see the cross-stage error in api.pluto (unsaved edit in auth.pluto)"
            open_file(page, "api.pluto")
            call = editor_line(page, "auth.verify_token")
            call.wait_for()
            page.locator(".monaco-editor .squiggly-error").first.wait_for()
            page.keyboard.press("Control+Shift+M")
            problems = page.locator(".markers-panel")
            expect(problems).to_contain_text("expected `int`, found `string`")
            expect(problems).to_contain_text("api.pluto")
            page.screenshot(path=os.path.join(OUT, "2-cross-stage-error.png"))
            page.keyboard.press("Control+Shift+M")

            step = "hover the call: the inferred error set"
            token = editor_token(page, "verify_token")
            token.hover()
            hover = page.locator(".monaco-hover-content", has_text="raises").first
            expect(hover).to_contain_text("InvalidToken")
            expect(hover).to_contain_text("NetworkError")
            page.screenshot(path=os.path.join(OUT, "3-hover-error-set.png"))
            page.keyboard.press("Escape")

            step = "go to definition across the stage boundary"
            token.click()
            page.keyboard.press("F12")
            expect(page.locator(".tab.active")).to_contain_text("auth.pluto")
            page.screenshot(path=os.path.join(OUT, "4-definition-in-auth.png"))

            step = "the code lens on verify_token names its caller"
            lens = page.locator(".codelens-decoration", has_text="called by")
            expect(lens.first).to_contain_text("called by api")
            page.screenshot(path=os.path.join(OUT, "5-code-lens.png"))

            step = "rename verify_token from the call in api.pluto"
            open_file(page, "api.pluto")
            goto_line(page, "10:30")
            page.keyboard.press("F2")
            rename_box = page.locator(".rename-input")
            rename_box.wait_for()
            rename_box.fill("check_token")
            page.keyboard.press("Enter")
            editor_line(page, "auth.check_token").wait_for()
            open_file(page, "auth.pluto")
            editor_line(page, "pub fn check_token").wait_for()
            page.screenshot(path=os.path.join(OUT, "6-renamed-across-files.png"))

            step = "semantic tokens: the unit `auth` is a namespace"
            open_file(page, "api.pluto")
            goto_line(page, "10:21")
            run_command(page, "Developer: Inspect Editor Tokens and Scopes")
            inspector = page.locator(".token-inspect-widget")
            expect(inspector).to_contain_text("semantic token type")
            expect(inspector).to_contain_text("namespace")
            page.screenshot(path=os.path.join(OUT, "7-semantic-token.png"))
            page.keyboard.press("Escape")

            step = "quick fix: propagate an unhandled cross-stage error with `!`"
            goto_line(page, 22)
            page.keyboard.press("End")
            page.keyboard.insert_text('\n        orders.get_order("1")')
            editor_line(page, 'orders.get_order("1")').wait_for()
            page.locator(".monaco-editor .squiggly-error").nth(1).wait_for()
            page.keyboard.press("Control+.")
            fix = page.locator(".action-widget .monaco-list-row", has_text="Propagate the errors")
            fix.first.click()
            editor_line(page, 'orders.get_order("1")!').wait_for()
            page.screenshot(path=os.path.join(OUT, "8-quick-fix.png"))

            step = "formatting: Format Document restores the layout"
            page.keyboard.press("End")
            page.keyboard.insert_text('\n  print("formatted")')
            page.keyboard.press("Escape")
            run_command(page, "Format Document")
            page.keyboard.press("Control+S")
            wait_file_contains(os.path.join(WORKSPACE, "api.pluto"), '!\n        print("formatted")\n        let found')
            page.screenshot(path=os.path.join(OUT, "9-formatted.png"))

            step = "watched files: an edit on disk to a file not open in the editor"
            models = os.path.join(WORKSPACE, "models.pluto")
            with open(models) as f:
                text = f.read()
            with open(models, "w") as f:
                f.write(text.replace("    name: string\n", "    full_name: string\n", 1))
            page.keyboard.press("Control+Shift+M")
            expect(page.locator(".markers-panel")).to_contain_text("`User` has no field `name`")
            page.screenshot(path=os.path.join(OUT, "10-watched-file.png"))
        except Exception as error:
            page.screenshot(path=os.path.join(OUT, "failed.png"))
            raise SystemExit(f"VS Code end-to-end test failed at step: {step}\n{error}")
        finally:
            browser.close()
    print(f"VS Code end-to-end test passed; screenshots in {OUT}")


def open_file(page, name: str) -> None:
    """Quick Open (Ctrl+P), the file's name, Enter; waits for its tab."""
    page.locator(".monaco-editor, .monaco-workbench").first.click(position={"x": 700, "y": 10})
    page.keyboard.press("Control+P")
    box = page.locator(".quick-input-widget input")
    box.wait_for()
    box.fill(name)
    page.locator(".quick-input-list .monaco-list-row", has_text=name).first.wait_for()
    page.keyboard.press("Enter")
    expect(page.locator(".tab.active")).to_contain_text(name)


def wait_file_contains(path: str, text: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with open(path) as f:
            if text in f.read():
                return
        time.sleep(0.2)
    raise AssertionError(f"{path} did not come to contain {text!r} within {seconds} s")


def run_command(page, name: str) -> None:
    """The command palette (F1), the command's name, Enter."""
    page.keyboard.press("F1")
    box = page.locator(".quick-input-widget input")
    box.wait_for()
    box.fill(f">{name}")
    page.locator(".quick-input-list .monaco-list-row", has_text=name).first.wait_for()
    page.keyboard.press("Enter")


def goto_line(page, line) -> None:
    """Ctrl+G to `line` (or `line:column`)."""
    page.keyboard.press("Control+G")
    box = page.locator(".quick-input-widget input")
    box.wait_for()
    box.fill(f":{line}")
    page.keyboard.press("Enter")


def editor_token(page, text: str):
    """The rendered token (a span of the editor's view) whose text is exactly `text`."""
    return page.locator(".view-lines .view-line span span").filter(has_text=re.compile(f"^{re.escape(text)}$")).first


def editor_line(page, text: str):
    return page.locator(".monaco-editor .view-line", has_text=text).first


if __name__ == "__main__":
    main()
