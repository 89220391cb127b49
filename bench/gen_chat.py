#!/usr/bin/env python3
"""Writes an N-line Batch API input file of chat-completions requests (stdlib only).

usage: gen_chat.py N OUT [MODEL] [--line-bytes B] [--random-ids]
Every line has a unique custom_id ("req-<n>"), POST /v1/chat/completions, and a one-sentence prompt.
With --line-bytes B, each line also carries a system message of filler prose sized so that the line,
with its newline, is about B bytes (within a few bytes; never shorter than the line without it).
With --random-ids, the custom_ids are random UUIDs (seeded, so a run can be repeated) instead.
"""
import json
import random
import sys
import uuid

TOPICS = ["rivers", "tea", "bridges", "owls", "granite", "jazz", "lighthouses", "maple trees",
          "tides", "comets", "bicycles", "honey", "glaciers", "lanterns", "sparrows", "copper"]
# Filler for the system message: ordinary words, so the JSON parser sees text, not one repeated byte.
WORDS = ("You are a careful assistant who answers briefly and plainly; cite nothing, invent nothing, "
         "and prefer short common words over long rare ones when both say the same thing. ").split()


def filler(n, seed):
    out, i = [], seed
    size = 0
    while size < n:
        w = WORDS[i % len(WORDS)]
        out.append(w)
        size += len(w) + 1
        i += 7
    return " ".join(out)[:n]


def main():
    args = sys.argv[1:]
    line_bytes = 0
    random_ids = "--random-ids" in args
    if random_ids:
        args.remove("--random-ids")
    if "--line-bytes" in args:
        k = args.index("--line-bytes")
        line_bytes = int(args[k + 1])
        del args[k:k + 2]
    if len(args) not in (2, 3):
        sys.exit("usage: gen_chat.py N OUT [MODEL] [--line-bytes B] [--random-ids]")
    n, out = int(args[0]), args[1]
    model = args[2] if len(args) == 3 else "sim-chat"
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    rng = random.Random(n)
    with open(out, "w", encoding="utf-8", buffering=1 << 20) as f:
        for i in range(n):
            user = {"role": "user", "content": f"Write one sentence about {TOPICS[i % len(TOPICS)]} (#{i})."}
            line = {
                "custom_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)) if random_ids else f"req-{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": model, "messages": [user], "max_tokens": 32},
            }
            text = dumps(line)
            if line_bytes:
                # The system message adds {"role":"system","content":""}, (31 bytes) plus its text.
                room = line_bytes - 1 - len(text) - 31
                if room > 0:
                    line["body"]["messages"] = [{"role": "system", "content": filler(room, i)}, user]
                    text = dumps(line)
            f.write(text)
            f.write("\n")


if __name__ == "__main__":
    main()
