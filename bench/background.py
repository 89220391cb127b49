#!/usr/bin/env python3
"""Background responses against Barge (POST /v1/responses with "background": true).

  background.py throughput URL N CLIENTS   create N with CLIENTS threads, then poll each until it ends
  background.py latency URL N CLIENTS      N created with "stream": true, each read until its terminal event

Prints one line of JSON. throughput: accepted per second, p50/p99 of the create call (ms), seconds from the
first create to the last response ended, responses ended per second, and how many ended in each status
(`incomplete` is an answer cut at max_output_tokens). latency: p50/p99 (ms) from create to the response's
terminal event, and how many did not end completed or incomplete."""
import http.client
import json
import sys
import threading
import time
import urllib.parse

mode, url, total, clients = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
parsed = urllib.parse.urlparse(url)
lock = threading.Lock()


def body(i, stream):
    return json.dumps({"model": "sim-chat", "input": f"Background question {i}", "max_output_tokens": 32,
                       "background": True, "stream": stream})


def connection():
    return http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=600)


def pct(values, p):
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p * len(values)))], 2) if values else None


def run_threads(work):
    threads = [threading.Thread(target=work) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def take(counter):
    with lock:
        if counter[0] >= total:
            return None
        counter[0] += 1
        return counter[0] - 1


def throughput():
    ids, create_ms, next_i = [None] * total, [], [0]

    def create():
        conn = connection()
        while (i := take(next_i)) is not None:
            start = time.perf_counter()
            conn.request("POST", parsed.path + "/responses", body(i, False), {"Content-Type": "application/json"})
            resp = conn.getresponse()
            answer = json.loads(resp.read())
            if resp.status != 200 or answer.get("status") != "queued":
                raise SystemExit(f"create {i}: HTTP {resp.status} {answer}")
            with lock:
                create_ms.append((time.perf_counter() - start) * 1000)
            ids[i] = answer["id"]

    start = time.perf_counter()
    run_threads(create)
    accepted_s = time.perf_counter() - start
    statuses, next_poll = {}, [0]

    def poll():
        conn = connection()
        while (i := take(next_poll)) is not None:
            while True:
                conn.request("GET", parsed.path + "/responses/" + ids[i])
                status = json.loads(conn.getresponse().read())["status"]
                if status not in ("queued", "in_progress"):
                    break
                time.sleep(0.02)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    run_threads(poll)
    done_s = time.perf_counter() - start
    print(json.dumps({"requests": total, "accepted_per_s": round(total / accepted_s, 1),
                      "create_p50_ms": pct(create_ms, 0.5), "create_p99_ms": pct(create_ms, 0.99),
                      "done_s": round(done_s, 2), "completed_per_s": round(total / done_s, 1),
                      "statuses": statuses,
                      "not_answered": total - statuses.get("completed", 0) - statuses.get("incomplete", 0)}))


def latency():
    times, failed, next_i = [], [0], [0]

    def one():
        conn = connection()
        while (i := take(next_i)) is not None:
            start = time.perf_counter()
            conn.request("POST", parsed.path + "/responses", body(i, True), {"Content-Type": "application/json"})
            resp = conn.getresponse()
            end = None
            for raw in resp:
                line = raw.decode().strip()
                if line.startswith("event: response.") and line[16:] in ("completed", "failed", "incomplete"):
                    end = line[16:]
            with lock:
                if end in ("completed", "incomplete"):
                    times.append((time.perf_counter() - start) * 1000)
                else:
                    failed[0] += 1

    run_threads(one)
    print(json.dumps({"requests": total, "p50_ms": pct(times, 0.5), "p99_ms": pct(times, 0.99),
                      "not_answered": failed[0]}))


{"throughput": throughput, "latency": latency}[mode]()
