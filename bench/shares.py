#!/usr/bin/env python3
"""Synchronous chat calls to two Barge nodes at once, for bench/shares.sh.

  shares.py SECONDS WARMUP URL_A LOAD_A URL_B LOAD_B

A LOAD is either CLIENTS (that many callers in a closed loop: each sends its next call as soon as the last
one answers) or RATE/s (calls sent at that steady rate, whatever the answers). Counts the answers each node
gave after WARMUP seconds, until SECONDS. Prints one line of JSON: per node, answers per second in that
window and errors (calls that did not answer 200)."""
import http.client
import json
import sys
import threading
import time
import urllib.parse

seconds, warmup = float(sys.argv[1]), float(sys.argv[2])
nodes = [(sys.argv[3], sys.argv[4]), (sys.argv[5], sys.argv[6])]
BODY = json.dumps({"model": "sim-chat", "messages": [{"role": "user", "content": "Say hello"}], "max_tokens": 8})
start = time.monotonic()
stop_at = start + seconds
lock = threading.Lock()
counts = [{"answered": 0, "errors": 0} for _ in nodes]


def call(conn, path, i):
    conn.request("POST", path, BODY, {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    if time.monotonic() - start >= warmup:
        with lock:
            counts[i]["answered" if response.status == 200 else "errors"] += 1


def closed_loop(url, i):
    parsed = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
    while time.monotonic() < stop_at:
        call(conn, parsed.path + "/chat/completions", i)


def paced(url, i, rate):
    parsed = urllib.parse.urlparse(url)
    def one():
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
        call(conn, parsed.path + "/chat/completions", i)
        conn.close()
    sent = 0
    while time.monotonic() < stop_at:
        due = start + sent / rate
        time.sleep(max(0.0, due - time.monotonic()))
        threading.Thread(target=one, daemon=True).start()
        sent += 1


threads = []
for i, (url, load) in enumerate(nodes):
    if load.endswith("/s"):
        threads.append(threading.Thread(target=paced, args=(url, i, float(load[:-2]))))
    else:
        threads += [threading.Thread(target=closed_loop, args=(url, i)) for _ in range(int(load))]
for t in threads:
    t.start()
for t in threads:
    t.join()
time.sleep(1)  # paced calls still on their way
window = seconds - warmup
print(json.dumps({"per_second": [round(c["answered"] / window, 2) for c in counts],
                  "errors": [c["errors"] for c in counts]}))
