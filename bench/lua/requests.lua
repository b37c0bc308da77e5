-- wrk script: replays requests pre-rendered by bench/wrk.py, each exactly once.
--
--   wrk -s bench/lua/requests.lua URL -- LIST_PREFIX
--
-- Thread N reads LIST_PREFIX.N (one "METHOD<TAB>PATH<TAB>BODY" line per request), so threads
-- never share a code. When a thread's list runs out it stops and sends wrk SIGINT, which ends
-- the run for all threads and reports the time actually spent: the figure stays a rate of
-- distinct requests, whatever the -d cap. done() prints the results as one JSON line.
-- (wrk calls request() once in thread 0 to validate the script: that first item is skipped.)

local ffi = require("ffi")
ffi.cdef [[
int getpid(void);
int kill(int pid, int sig);
]]
local SIGINT = 2

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local prefix = args[1]
  queue = {}
  local f = assert(io.open(prefix .. "." .. id, "r"))
  for line in f:lines() do
    local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
    if body == "" then
      body = nil
    end
    queue[#queue + 1] = wrk.format(method, path, nil, body)
  end
  f:close()
  fail_path = prefix .. ".fail." .. id
  -- Sent only after the list is exhausted, while the thread winds down; never a real item.
  idle = wrk.format("GET", "/health")
  position = 0
  exhausted = false
  failures = 0
end

function request()
  position = position + 1
  local r = queue[position]
  if r ~= nil then
    return r
  end
  if not exhausted then
    exhausted = true
    ffi.C.kill(ffi.C.getpid(), SIGINT)
    wrk.thread:stop()
  end
  return idle
end

function response(status, headers, body)
  if status >= 300 then
    failures = failures + 1
    if failures == 1 then
      local f = io.open(fail_path, "w")
      if f then
        f:write(status, " ", body or "")
        f:close()
      end
    end
  end
end

function done(summary, latency, requests)
  local exhausted_threads = 0
  for _, t in ipairs(threads) do
    if t:get("exhausted") then
      exhausted_threads = exhausted_threads + 1
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "exhausted_threads": %d, "threads": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, exhausted_threads, #threads))
end
