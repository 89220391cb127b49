-- wrk script: POST one small chat-completions body, as Barge sends for each line of bench/gen_chat.py.
-- usage: wrk -t2 -c64 -d10s -s bench/chat.lua http://127.0.0.1:PORT/v1/chat/completions
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = '{"model":"sim-chat","messages":[{"role":"user","content":"Write one sentence about tea (#1)."}],"max_tokens":32}'
