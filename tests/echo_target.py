"""A test target that echoes: run as `echo_target.py PORT WORD...`.

It prints its words and the ECHO environment variable when it starts, answers
GET /health with 200, and answers every other request with a 500 whose body
holds its words, the request path and the request headers (which it also
prints). Tests use it to feed target-controlled text (hostile HTML, secrets
echoed back) into perfgate's reports.
"""
import http.server
import os
import sys

WORDS = sys.argv[2:]
print("starting with", os.environ.get("ECHO"), flush=True)
for word in WORDS:
    print(word, flush=True)


class Echo(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            status, data = 200, b"ok"
        else:
            print("got", self.path, dict(self.headers), flush=True)
            text = "\n".join(WORDS + [self.path, str(dict(self.headers))])
            status, data = 500, text.encode()
        self.send_response(status)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Echo).serve_forever()
