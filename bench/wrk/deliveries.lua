-- Sends prepared, signed webhook deliveries (bench/ack.py writes them): one per line,
--   path TAB name\30value\31name\30value... TAB body
-- Thread k takes lines k, k+T, k+2T... so no two threads send the same delivery.
-- BENCH_DELAY_MS > 0 paces every connection (an approximate fixed arrival rate).
-- Lines below T x (fewest sent by a thread) were all handed to wrk. Prints one line "BENCH {json}" with the status counts and the latency percentiles (us).
local file = os.getenv("BENCH_REQUESTS")
local thread_count = tonumber(os.getenv("BENCH_THREADS") or "1")
local pace = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  ok, other, prepared, sent = 0, 0, {}, 0
  local n = 0
  for line in io.lines(file) do
    if n % thread_count == id then
      local path, head, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      for name, value in head:gmatch("([^\30\31]+)\30([^\31]*)") do headers[name] = value end
      prepared[#prepared + 1] = wrk.format("POST", path, headers, body)
    end
    n = n + 1
  end
end

function request()
  sent = sent + 1
  return prepared[(sent - 1) % #prepared + 1]
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end

if pace > 0 then
  function delay() return pace end
end

function done(summary, latency, requests)
  local acknowledged, refused, sent_total, fewest = 0, 0, 0, nil
  for _, thread in ipairs(threads) do
    acknowledged = acknowledged + thread:get("ok")
    refused = refused + thread:get("other")
    local sent_here = thread:get("sent")
    sent_total = sent_total + sent_here
    if fewest == nil or sent_here < fewest then fewest = sent_here end
  end
  local e = summary.errors
  io.write(string.format('BENCH {"ok": %d, "other": %d, "sent": %d, "fewest_sent": %d, "requests": %d, '
    .. '"duration_us": %d, "p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d, '
    .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
    acknowledged, refused, sent_total, fewest, summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, e.connect, e.read, e.write, e.timeout))
end
