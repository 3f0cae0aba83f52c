#!/usr/bin/env python3
"""httpd.py --- an HTTP server with one behaviour per path, for the HTTP check tests.

Listens on 127.0.0.1 on a free port and prints the port on its first line.
  /ok        200, a small JSON body
  /unavail   503, {"state":"STARTING"}
  /redirect  302 to another host
  /big       200, 1 MiB of body
  /hang      accepts, then never answers
"""
import http.server
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body, headers=()):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/ok":
            self.reply(200, b'{"state":"RUNNING"}')
        elif self.path == "/unavail":
            self.reply(503, b'{"state":"STARTING"}')
        elif self.path == "/redirect":
            self.reply(302, b"", [("Location", "http://192.0.2.1/elsewhere")])
        elif self.path == "/big":
            self.reply(200, b"x" * (1 << 20))
        elif self.path == "/hang":
            time.sleep(3600)
        else:
            self.reply(404, b"not found")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
