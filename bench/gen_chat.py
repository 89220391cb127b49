#!/usr/bin/env python3
"""Writes an N-line Batch API input file of short chat-completions requests (stdlib only).

usage: gen_chat.py N OUT [MODEL]
Every line has a unique custom_id ("req-<n>"), POST /v1/chat/completions, and a one-sentence prompt.
"""
import json
import sys

TOPICS = ["rivers", "tea", "bridges", "owls", "granite", "jazz", "lighthouses", "maple trees",
          "tides", "comets", "bicycles", "honey", "glaciers", "lanterns", "sparrows", "copper"]


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: gen_chat.py N OUT [MODEL]")
    n, out = int(sys.argv[1]), sys.argv[2]
    model = sys.argv[3] if len(sys.argv) == 4 else "sim-chat"
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    with open(out, "w", encoding="utf-8", buffering=1 << 20) as f:
        for i in range(n):
            line = {
                "custom_id": f"req-{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {
                    "model": model,
                    "messages": [{"role": "user",
                                  "content": f"Write one sentence about {TOPICS[i % len(TOPICS)]} (#{i})."}],
                    "max_tokens": 32,
                },
            }
            f.write(dumps(line))
            f.write("\n")


if __name__ == "__main__":
    main()
