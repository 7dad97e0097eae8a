-- wrk script for the leadsd benchmark. Environment:
--   BENCH_SCENARIO  show | list | create | mixed | static
--   BENCH_TOKENS    file of plaintext tokens `<id>|<secret>`, one a line (rotated per request)
--   BENCH_UUIDS     file of live lead UUIDs, one a line (show, mixed)
--   BENCH_PAGES     list pages to pick from at random (default 20)
--   BENCH_PATH      the path for `static` (the nginx ceiling)
-- done() prints one machine-readable BENCH_RESULT line that bench/run parses.

local scenario = os.getenv("BENCH_SCENARIO") or "show"
local prefix = "/crm/api/v2/leads"
local tokens, uuids = {}, {}
local pages = tonumber(os.getenv("BENCH_PAGES") or "20")
local static_path = os.getenv("BENCH_PATH") or "/"
local counter = 0
local thread_count = 0

local function load_lines(path, into)
  if path == nil or path == "" then return end
  local file = assert(io.open(path, "r"), "cannot open " .. path)
  for line in file:lines() do
    if #line > 0 then into[#into + 1] = line end
  end
  file:close()
end

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  load_lines(os.getenv("BENCH_TOKENS"), tokens)
  assert(#tokens > 0, "BENCH_TOKENS names no token")
  if scenario == "show" or scenario == "mixed" then
    load_lines(os.getenv("BENCH_UUIDS"), uuids)
    assert(#uuids > 0, "BENCH_UUIDS names no lead")
  end
  math.randomseed(os.time() * 1000 + (thread_number or 0) * 7919)
  counter = math.random(1, #tokens)
end

local json_headers = { ["Accept"] = "application/json" }
local create_headers = { ["Accept"] = "application/json", ["Content-Type"] = "application/json" }

local function next_token()
  counter = counter % #tokens + 1
  return "Bearer " .. tokens[counter]
end

local function show()
  json_headers["Authorization"] = next_token()
  return wrk.format("GET", prefix .. "/" .. uuids[math.random(1, #uuids)], json_headers)
end

local function list()
  json_headers["Authorization"] = next_token()
  return wrk.format("GET", prefix .. "?per_page=25&page=" .. math.random(1, pages), json_headers)
end

local function create()
  create_headers["Authorization"] = next_token()
  local body = string.format(
    '{"title":"Bench lead %d","description":"Created by the benchmark.","amount":1250.00,' ..
    '"currency":"USD","expected_close":"2026-09-30T00:00:00Z"}', math.random(1, 1000000000))
  return wrk.format("POST", prefix, create_headers, body)
end

local function static()
  json_headers["Authorization"] = next_token()
  return wrk.format("GET", static_path, json_headers)
end

local function mixed()
  local roll = math.random(1, 10)
  if roll <= 7 then return show() elseif roll <= 9 then return list() else return create() end
end

local builders = { show = show, list = list, create = create, mixed = mixed, static = static }
request = assert(builders[scenario], "unknown BENCH_SCENARIO " .. scenario)

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_s=%.3f rps=%.1f p50_us=%d p99_us=%d max_us=%d " ..
    "status_errors=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
