#!/usr/bin/python3
"""Drives the GraphQL playground of a live rusty-db-server in headless Chromium.

Run by crates/server/tests/http_tools.rs as

    playground_cdp.py CHROMIUM URL SCREENSHOT_PNG EXPECTED_VERSION

It talks the Chrome DevTools protocol over --remote-debugging-pipe (file descriptors 3 and
4, NUL-terminated JSON messages), so it needs nothing beyond the Python standard library
and opens no debugging port. It loads URL (the playground; its `query` parameter is the
query to run, `#token=` gives the page the API token), puts the query in the GraphiQL
editor unless the page already did, and makes the page run it: a page that runs it on its
own is given a moment, then the script clicks the run button, then tries Ctrl+Enter. It
waits, bounded, for the result pane to show `"version": "EXPECTED_VERSION"` and checks
that the page POSTed exactly that query to /graphql. Every request the page makes is
recorded: all must go to the server's own 127.0.0.1 origin (or be data:/blob:/about:),
and host resolution for every other name is disabled in the browser, so a CDN reference
fails loudly instead of silently working. Uncaught page exceptions, failed loads and
HTTP errors fail the run too.

Prints a report (one `KEY value` line per fact) and exits 0 when every check passed, 1
with `FAIL reason` lines otherwise, 2 when Chromium could not be driven at all.
"""

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

# Every wait below is bounded by one of these (seconds).
COMMAND_TIMEOUT = 30.0
LOAD_TIMEOUT = 60.0
RESULT_TIMEOUT = 60.0
POLL = 0.25

RUN_BUTTON_JS = r"""
(() => {
  const selectors = [
    '.graphiql-execute-button', 'button.execute-button', '[aria-label="Execute query (Ctrl-Enter)"]',
    'button[aria-label*="xecute"]', 'button[title*="xecute"]', 'button[aria-label*="Run"]',
    'button[title*="Run"]', '#run', '[data-testid="run"]', 'button.run',
  ];
  for (const s of selectors) {
    const el = document.querySelector(s);
    if (el) { el.click(); return s; }
  }
  return '';
})()
"""

SET_QUERY_JS = r"""
((wanted) => {
  const norm = (t) => t.replace(/\s+/g, ' ').trim();
  const el = document.querySelector('.graphiql-query-editor .CodeMirror');
  if (!el || !el.CodeMirror) return 'no-editor';
  if (norm(el.CodeMirror.getValue()) === norm(wanted)) return 'prefilled';
  el.CodeMirror.setValue(wanted);
  return 'set';
})(%s)
"""

PAGE_TEXT_JS = r"""
(() => {
  const parts = [document.body ? document.body.innerText : ''];
  for (const el of document.querySelectorAll(
      '.graphiql-response, .result-window, .resultWrap, #result, [data-testid="result"], pre')) {
    parts.push(el.textContent || '');
  }
  return parts.join('\n');
})()
"""


class Browser:
    """One Chromium process and its DevTools pipe."""

    def __init__(self, chromium, profile):
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        # High descriptor numbers, so moving them to 3 and 4 in the child cannot collide.
        hi_r = fcntl.fcntl(to_child_r, fcntl.F_DUPFD_CLOEXEC, 20)
        hi_w = fcntl.fcntl(from_child_w, fcntl.F_DUPFD_CLOEXEC, 20)
        os.close(to_child_r)
        os.close(from_child_w)

        def wire_pipe():
            os.dup2(hi_r, 3, inheritable=True)
            os.dup2(hi_w, 4, inheritable=True)

        args = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--mute-audio",
            # Nothing but 127.0.0.1 resolves: a CDN reference fails instead of loading.
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            "--user-data-dir=" + profile,
            "--window-size=1280,900",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        self.log = open(os.path.join(os.path.dirname(profile), "chromium.log"), "wb")
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
            preexec_fn=wire_pipe,
            close_fds=False,
        )
        os.close(hi_r)
        os.close(hi_w)
        self._buf = b""
        self._next_id = 0
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._from_child], [], [], min(left, POLL))
            if not ready:
                if self.proc.poll() is not None:
                    raise RuntimeError("chromium exited with status %s" % self.proc.returncode)
                continue
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def pump(self, seconds):
        """Collects events for up to `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            msg = self._read_message(deadline)
            if msg is None:
                return
            if "method" in msg:
                self.events.append(msg)

    def call(self, method, params=None, session=None):
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + COMMAND_TIMEOUT
        while True:
            reply = self._read_message(deadline)
            if reply is None:
                raise RuntimeError("no reply to %s within %ss" % (method, COMMAND_TIMEOUT))
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError("%s failed: %s" % (method, reply["error"]))
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:  # noqa: BLE001 - closing is best effort; the kill below is not
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()


def short(url):
    return url if len(url) <= 120 else url[:100] + "...(%d chars)" % len(url)


def norm(text):
    return " ".join(text.split())


def allowed(url, origin):
    if url.startswith(("data:", "blob:", "about:")):
        return True
    parsed = urllib.parse.urlsplit(url)
    if parsed.hostname != "127.0.0.1":
        return False
    scheme = {"ws": "http", "wss": "https"}.get(parsed.scheme, parsed.scheme)
    return "%s://%s" % (scheme, parsed.netloc) == origin


def main():
    chromium, url, screenshot, version = sys.argv[1:5]
    parsed = urllib.parse.urlsplit(url)
    origin = "%s://%s" % (parsed.scheme, parsed.netloc)
    wanted = urllib.parse.parse_qs(parsed.query).get("query", ["{ serverInfo { version } }"])[0]
    expected = re.compile(r'"version"\s*:\s*"%s"' % re.escape(version))
    work = tempfile.mkdtemp(prefix="rustydb-chromium-")
    profile = os.path.join(work, "profile")
    os.mkdir(profile)
    failures = []
    browser = Browser(chromium, profile)
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call(
            "Target.attachToTarget", {"targetId": target, "flatten": True}
        )["sessionId"]
        for domain in ("Network", "Page", "Runtime", "Log"):
            browser.call(domain + ".enable", session=session)
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        browser.call("Page.navigate", {"url": url}, session=session)
        deadline = time.monotonic() + LOAD_TIMEOUT
        while not any(e["method"] == "Page.loadEventFired" for e in browser.events):
            if time.monotonic() > deadline:
                failures.append("the page did not finish loading within %ss" % LOAD_TIMEOUT)
                break
            browser.pump(POLL)

        def evaluate(expression):
            res = browser.call(
                "Runtime.evaluate",
                {"expression": expression, "returnByValue": True},
                session=session,
            )
            return res.get("result", {}).get("value", "")

        def page_text():
            return str(evaluate(PAGE_TEXT_JS)).replace("\u00a0", " ")

        # The query editor appears once React has rendered; put the wanted query in it
        # unless the page already did (from ?query=).
        editor = "no-editor"
        deadline = time.monotonic() + LOAD_TIMEOUT
        while editor == "no-editor" and time.monotonic() < deadline:
            browser.pump(POLL)
            editor = evaluate(SET_QUERY_JS % json.dumps(wanted))
        print("EDITOR", editor)
        if editor == "no-editor":
            failures.append("no GraphiQL query editor appeared within %ss" % LOAD_TIMEOUT)

        # A prefilled query may run on its own: give it a few polls before pressing run.
        trigger = "auto"
        found = False
        deadline = time.monotonic() + RESULT_TIMEOUT
        attempts = 0 if editor == "prefilled" else 12
        while time.monotonic() < deadline:
            browser.pump(POLL)
            if expected.search(page_text()):
                found = True
                break
            attempts += 1
            if attempts == 13:
                clicked = evaluate(RUN_BUTTON_JS)
                trigger = "button " + clicked if clicked else "no-button"
            elif attempts == 25 and not trigger.startswith("button"):
                for kind in ("rawKeyDown", "keyUp"):
                    browser.call(
                        "Input.dispatchKeyEvent",
                        {
                            "type": kind,
                            "modifiers": 2,
                            "key": "Enter",
                            "code": "Enter",
                            "windowsVirtualKeyCode": 13,
                        },
                        session=session,
                    )
                trigger = "ctrl-enter"
        print("TRIGGER", trigger)
        print("RESULT_FOUND", "yes" if found else "no")
        if not found:
            failures.append(
                "the result pane never showed %s; page text:\n%s" % (expected.pattern, page_text())
            )
        browser.pump(0.5)
        shot = browser.call("Page.captureScreenshot", {"format": "png"}, session=session)
        os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
        with open(screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print("SCREENSHOT", screenshot)

        graphql_posts = 0
        statuses = {}
        for e in browser.events:
            p = e.get("params", {})
            if e["method"] == "Network.requestWillBeSent":
                req = p["request"]
                print("REQUEST", req["method"], short(req["url"]))
                if not allowed(req["url"], origin):
                    failures.append("request to a foreign origin: %s" % req["url"])
                if req["method"] == "POST" and urllib.parse.urlsplit(req["url"]).path == "/graphql":
                    try:
                        sent = json.loads(req.get("postData") or "{}").get("query", "")
                    except ValueError:
                        sent = ""
                    if norm(sent) == norm(wanted):
                        graphql_posts += 1
            elif e["method"] == "Network.webSocketCreated":
                print("WEBSOCKET", p["url"])
                if not allowed(p["url"], origin):
                    failures.append("websocket to a foreign origin: %s" % p["url"])
            elif e["method"] == "Network.responseReceived":
                statuses[p["response"]["url"]] = p["response"]["status"]
            elif e["method"] == "Network.loadingFailed":
                print("LOADING_FAILED", p.get("errorText"), p.get("requestId"))
                if not p.get("canceled"):
                    failures.append("a request failed to load: %s" % p.get("errorText"))
            elif e["method"] == "Runtime.exceptionThrown":
                details = p.get("exceptionDetails", {})
                desc = details.get("exception", {}).get("description") or details.get("text")
                failures.append("uncaught exception in the page: %s" % desc)
            elif e["method"] == "Log.entryAdded":
                entry = p.get("entry", {})
                print("CONSOLE", entry.get("level"), entry.get("text"))
        for u, status in statuses.items():
            print("RESPONSE", status, u)
            if status >= 400 and not u.endswith("/favicon.ico"):
                failures.append("HTTP %s for %s" % (status, u))
        print("GRAPHQL_POSTS", graphql_posts)
        if graphql_posts == 0:
            failures.append("the page never POSTed %r to /graphql" % wanted)
    except RuntimeError as e:
        failures.append("driving chromium failed: %s" % e)
    finally:
        browser.close()
        if failures:
            try:
                with open(os.path.join(work, "chromium.log"), errors="replace") as f:
                    print("CHROMIUM_LOG (last lines)")
                    print("".join(f.readlines()[-40:]))
            except OSError:
                pass
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        print("ERROR", e)
        sys.exit(2)
