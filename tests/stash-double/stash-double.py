#!/usr/bin/env python3
"""stash-double.py --- a stand-in for Bitbucket Server's JVM, for tests: its /status contract, state by state.

Bitbucket cannot be installed here.  This plays the part the agent sees:
started by bin/start-bitbucket.sh (which writes its pid file, as
catalina.sh does) with BITBUCKET_HOME in its environment, it reads server.port and
server.context-path from $BITBUCKET_HOME/shared/bitbucket.properties as
Bitbucket does, and answers GET <context>/status with the documented
responses:

    200 {"state":"RUNNING"}      200 {"state":"MAINTENANCE"}
    503 {"state":"STARTING"}     503 {"state":"STOPPING"}
    200 {"state":"FIRST_RUN"}    500 {"state":"ERROR"}
    404 (the web application failed to deploy)

Any other path answers 302 to a login page, as Bitbucket's do during a
backup.  A test steers it by writing one word to $BITBUCKET_HOME/double-mode,
or double-mode-<hostname> for one node of a cluster sharing the home (read
at each request):

    running | maintenance | first_run | error | undeployed  -> the row above
    starting | stopping                                      -> 503 rows
    hang      accept, never answer          garbage   200 with an HTML body
    redirect  302 from /status itself        refuse    close the listener, stay alive
    ignore-term  SIGTERM is ignored (stop must escalate to SIGKILL)

Startup takes $BITBUCKET_HOME/double-start-seconds (default 2) of 503
STARTING; SIGTERM gives STOPPING for double-stop-seconds (default 1), then
exit, as Tomcat's shutdown does.
"""
import http.server
import os
import signal
import socket
import socketserver
import threading
import time

HOME = os.environ.get("BITBUCKET_HOME") or os.environ.get("STASH_HOME")


def read(name, default=""):
    try:
        with open(os.path.join(HOME, name)) as f:
            return f.read().strip()
    except OSError:
        return default


def properties():
    """server.port and server.context-path (plain key=value lines)."""
    props = {}
    text = read("shared/bitbucket.properties")
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")) and "=" in line:
            k, v = line.split("=", 1)
            props[k.strip()] = v.strip()
    return int(props.get("server.port", "7990")), props.get("server.context-path", "").rstrip("/")


PORT, CONTEXT = properties()
STARTED = time.monotonic()
START_S = float(read("double-start-seconds", "2") or 2)
STOP_S = float(read("double-stop-seconds", "1") or 1)
stopping_since = None
server = None

ROWS = {
    "running": (200, b'{"state":"RUNNING"}'),
    "maintenance": (200, b'{"state":"MAINTENANCE"}'),
    "first_run": (200, b'{"state":"FIRST_RUN"}'),
    "starting": (503, b'{"state":"STARTING"}'),
    "stopping": (503, b'{"state":"STOPPING"}'),
    "error": (500, b'{"state":"ERROR"}'),
    "undeployed": (404, b"<html><body>HTTP Status 404 - Not Found</body></html>"),
    "garbage": (200, b"<html><body>Log in</body></html>"),
}


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "Apache-Coyote/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body, location=None):
        self.send_response(code)
        self.send_header("Content-Type", "application/json;charset=ISO-8859-1")
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != CONTEXT + "/status":
            self.reply(302, b"", "http://localhost:%d%s/login" % (PORT, CONTEXT))
            return
        mode = read("double-mode-" + socket.gethostname()) or read("double-mode", "running")
        if stopping_since is not None:
            mode = "stopping"
        elif time.monotonic() - STARTED < START_S and mode == "running":
            mode = "starting"
        if mode == "hang":
            time.sleep(3600)
            return
        if mode == "redirect":
            self.reply(302, b"", "https://localhost:8443%s/status" % CONTEXT)
            return
        if mode == "refuse":
            threading.Thread(target=server.shutdown_and_close, daemon=True).start()
        code, body = ROWS.get(mode, ROWS["running"])
        self.reply(code, body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def shutdown_and_close(self):
        """Tomcat gone, JVM alive: nothing listens any more."""
        self.shutdown()
        self.server_close()


def on_term(signum, frame):
    global stopping_since
    if (read("double-mode-" + socket.gethostname()) or read("double-mode")) == "ignore-term":
        return
    if stopping_since is None:
        stopping_since = time.monotonic()
        threading.Timer(STOP_S, lambda: os._exit(0)).start()


def main():
    global server
    signal.signal(signal.SIGTERM, on_term)
    # All addresses, as Tomcat's connector: clients come through the VIP.
    server = Server(("0.0.0.0", PORT), Handler)
    server.serve_forever(poll_interval=0.1)
    while True:         # "refuse": the JVM lives on without its connector
        time.sleep(3600)


if __name__ == "__main__":
    main()
