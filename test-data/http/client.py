"""A real HTTP client for the tests of std.http servers (crates/cli/tests/http.rs).

  client.py exchange HOST:PORT REQUESTS   sends each request of the file in turn and
                                          prints what came back (the transcript)
  client.py load HOST:PORT PATH N         sends N GETs of PATH at once, one connection
                                          each, and prints how many got each status
                                          (after a line `sending` when they start)

A requests file holds one request per paragraph: `METHOD PATH`, then optional lines
`header: value`, then optional `body: TEXT`. `RAW TEXT` sends TEXT (with \\r\\n escapes)
as the bytes of a request instead, and prints the status line of the answer.
Lines starting with `#` are comments.
"""

import http.client
import socket
import sys
import threading
from collections import Counter


def parse(path):
    requests, current = [], None
    for line in open(path, encoding="utf-8").read().splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            current = None
            continue
        if current is None:
            method, _, target = line.partition(" ")
            current = {"method": method, "target": target, "headers": {}, "body": None}
            requests.append(current)
        elif line.startswith("body: "):
            current["body"] = line[len("body: "):]
        else:
            name, _, value = line.partition(": ")
            current["headers"][name] = value
    return requests


def raw(host, port, text):
    data = text.encode().decode("unicode_escape").encode("latin-1")
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        answer = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode() if answer else "(closed without an answer)"


def exchange(address, path):
    host, port = address.rsplit(":", 1)
    out = []
    for r in parse(path):
        if r["method"] == "RAW":
            out.append(f"RAW {r['target']}\n{raw(host, int(port), r['target'])}")
            continue
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        body = r["body"].encode() if r["body"] is not None else None
        connection.request(r["method"], r["target"], body=body, headers=r["headers"])
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        if text.endswith("\n"):
            text = text[:-1]
        lines = [f"{r['method']} {r['target']}", f"{response.status} {response.getheader('content-type', '')}".rstrip()]
        if response.getheader("allow"):
            lines.append(f"allow: {response.getheader('allow')}")
        if text:
            lines.append(text)
        out.append("\n".join(lines))
        connection.close()
    print("\n\n".join(out))


def load(address, path, n):
    host, port = address.rsplit(":", 1)
    statuses = Counter()
    lock = threading.Lock()
    start = threading.Barrier(n)

    def one():
        try:
            start.wait(timeout=30)
            connection = http.client.HTTPConnection(host, int(port), timeout=60)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            status = str(response.status)
        except Exception as e:  # a refused or reset connection is a result too
            status = type(e).__name__
        with lock:
            statuses[status] += 1

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    print("sending", flush=True)
    for t in threads:
        t.join(timeout=120)
    print(", ".join(f"{count} {status}" for status, count in sorted(statuses.items())), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "exchange":
        exchange(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "load":
        load(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
