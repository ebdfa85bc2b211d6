-- wrk script for the vtasksim bench: replay pre-built vim25 requests, report JSON.
--
-- BENCH_REQUESTS: a file of whole HTTP requests, each followed by the line "--next--".
-- Connections take them round-robin. BENCH_BUDGET (optional): stop after sending that many
-- (for calls that may run once per object, as CancelTask). BENCH_JSON: where done() writes
-- requests, duration, errors and latency percentiles (microseconds).

local requests = {}
local index = 0
local budget = tonumber(os.getenv("BENCH_BUDGET") or "")

local function load(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("*a")
  file:close()
  local list, start = {}, 1
  while true do
    local at, finish = text:find("--next--\n", start, true)
    if not at then break end
    list[#list + 1] = text:sub(start, at - 1)
    start = finish + 1
  end
  return list
end

function init(args)
  requests = load(os.getenv("BENCH_REQUESTS"))
end

function request()
  index = index + 1
  if budget and index > budget then
    wrk.thread:stop()
  end
  return requests[(index - 1) % #requests + 1]
end

function done(summary, latency, _)
  local errors = summary.errors
  local out = assert(io.open(os.getenv("BENCH_JSON"), "w"))
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "errors_status": %d, "errors_socket": %d,'
    .. ' "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
  out:close()
end
