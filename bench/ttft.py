#!/usr/bin/env python3
"""Time to first token of streamed chat calls: ttft.py URL REQUESTS [CLIENTS] prints one line of JSON with the
p50 and p99 (ms) of the time from sending a request to reading its first `data:` line carrying content, and
checks that every stream ends with [DONE]. CLIENTS threads each send their next request when the last ends."""
import http.client
import json
import sys
import threading
import time
import urllib.parse

url, requests = sys.argv[1], int(sys.argv[2])
clients = int(sys.argv[3]) if len(sys.argv) > 3 else 1
parsed = urllib.parse.urlparse(url)
body = json.dumps({"model": "sim-chat", "stream": True, "max_tokens": 32,
                   "messages": [{"role": "user", "content": "Tell me a story"}]})
times, failures, lock = [], [], threading.Lock()
left = [requests]


def one(conn):
    start = time.perf_counter()
    conn.request("POST", parsed.path + "/chat/completions", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        resp.read()
        return None, f"HTTP {resp.status}"
    first, done = None, False
    for raw in resp:
        line = raw.decode().strip()
        if first is None and line.startswith("data: {") and '"content":"' in line and '"content":""' not in line:
            first = time.perf_counter() - start
        if line == "data: [DONE]":
            done = True
    return first, None if done and first is not None else "stream without content or [DONE]"


def client():
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    while True:
        with lock:
            if left[0] == 0:
                return
            left[0] -= 1
        try:
            first, error = one(conn)
        except Exception as e:  # a dropped connection: count it and start over
            first, error = None, repr(e)
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        with lock:
            (failures.append(error) if error else times.append(first * 1000))


threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
times.sort()
pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] if times else None
print(json.dumps({"requests": requests, "ok": len(times), "failed": len(failures), "p50_ms": pick(0.5),
                  "p99_ms": pick(0.99), "errors": failures[:3]}))
