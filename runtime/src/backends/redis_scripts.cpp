// Keys (all under one hash tag, "{prefix}:"):
//   q:<queue>        a stream per queue, consumer group "selinon"; entry fields b (the message), f and e (dispatcher
//                    and event id of a flow event, for the claim's prefetch), d (deliveries before a give-back)
//   queues           the set of queue names
//   delayed          sorted set of messages by due time; member "uid\nqueue\nf\ne\nd\nbody"
//   flow:<id>        hash: v (version), n (flow name), s (status), r (args revision), st (state),
//                    a:<event id> for every event applied to the run
//   args:<id>        hash: args revision -> node_args
//   dead             stream of dead letters: q (queue), r (reason), b (body), n (deliveries), t (time)
//   throttle         hash: key -> next free slot (ms)
//   ended:<id>       list pushed when the run ends, for clients blocked in wait_flow; expires after 10 minutes
//   cursors          hash: queue -> XAUTOCLAIM cursor
// Times are the server's (TIME), the one clock every worker shares.
#include "redis_scripts.hpp"

namespace selinon::redis::scripts {

namespace {

// What every script shares: key names, the server's clock, enqueueing and the lease check.
constexpr const char* kPrelude = R"lua(
local P = '{' .. ARGV[1] .. '}:'
local GROUP = 'selinon'
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function stream(queue) return P .. 'q:' .. queue end
local function fields_of(list)
  local f = {}
  for i = 1, #list, 2 do f[list[i]] = list[i + 1] end
  return f
end
-- `now` may be nil: the clock is read only for a delayed message. `register` adds the queue to the set of queues
-- (the client does it the first time it sends to a queue).
local function enqueue(queue, body, f, e, d, delay, now, uid, register)
  if delay > 0 then
    now = now or now_ms()
    redis.call('ZADD', P .. 'delayed', now + delay, uid .. '\n' .. queue .. '\n' .. f .. '\n' .. e .. '\n' .. d ..
               '\n' .. body)
  else
    local args = {'XADD', stream(queue), '*', 'b', body}
    if f ~= '' then args[#args + 1] = 'f'; args[#args + 1] = f end
    if e ~= '' then args[#args + 1] = 'e'; args[#args + 1] = e end
    if d ~= '' and d ~= '0' then args[#args + 1] = 'd'; args[#args + 1] = d end
    redis.call(unpack(args))
  end
  if register then redis.call('SADD', P .. 'queues', queue) end
end
-- Whether `consumer` holds entry `id` under lease `lease` (the entry's delivery count when it was claimed).
local function holds(queue, id, consumer, lease)
  local ok, p = pcall(redis.call, 'XPENDING', stream(queue), GROUP, id, id, 1, consumer)
  return ok and #p == 1 and tostring(p[1][4]) == lease
end
)lua";

}  // namespace

const std::string claim = std::string(kPrelude) + R"lua(
local now = now_ms()
local delayed = P .. 'delayed'
for _, m in ipairs(redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, 256)) do
  redis.call('ZREM', delayed, m)
  local parts, pos = {}, 1
  for i = 1, 5 do
    local nl = string.find(m, '\n', pos, true)
    if not nl then break end
    parts[i] = string.sub(m, pos, nl - 1)
    pos = nl + 1
  end
  if #parts == 5 then
    enqueue(parts[2], string.sub(m, pos), parts[3], parts[4], parts[5], 0, now, '', true)
  else
    redis.call('XADD', P .. 'dead', '*', 'q', '', 'r', 'not a delayed message of this backend', 'b', m, 'n', 0,
               't', now)
  end
end

local out = {now, false, false}
local first = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
if #first == 2 then out[2] = tonumber(first[2]) end
local queues = {}
for i = 6, #ARGV do queues[#queues + 1] = ARGV[i] end
if #queues == 0 then
  queues = redis.call('SMEMBERS', P .. 'queues')
  out[3] = queues
end
if #queues == 0 then return out end

local consumer, count = ARGV[2], tonumber(ARGV[3])
local entries = {}
local idle = tonumber(ARGV[4])
if idle > 0 then
  for _, q in ipairs(queues) do
    if #entries >= count then break end
    local cursor = redis.call('HGET', P .. 'cursors', q) or '0-0'
    local ok, r = pcall(redis.call, 'XAUTOCLAIM', stream(q), GROUP, consumer, idle, cursor, 'COUNT', count - #entries)
    if ok then
      -- Consumers of workers long gone, holding nothing, are forgotten (a live one is recreated by its next read).
      for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', stream(q), GROUP)) do
        local info = fields_of(c)
        if info.pending == 0 and info.idle > 3600000 then
          redis.call('XGROUP', 'DELCONSUMER', stream(q), GROUP, info.name)
        end
      end
      redis.call('HSET', P .. 'cursors', q, r[1])
      for _, e in ipairs(r[2]) do
        if e[2] then
          local p = redis.call('XPENDING', stream(q), GROUP, e[1], e[1], 1)
          entries[#entries + 1] = {q, e[1], p[1][4], e[2]}
        end
      end
    end
  end
end
if #entries < count then
  local args = {'XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', count - #entries, 'STREAMS'}
  for _, q in ipairs(queues) do args[#args + 1] = stream(q) end
  for _ = 1, #queues do args[#args + 1] = '>' end
  local ok, r = pcall(redis.call, unpack(args))
  if not ok then
    -- A queue nobody claimed from before: its group starts at the stream's beginning, so nothing enqueued
    -- earlier is skipped.
    for _, q in ipairs(queues) do pcall(redis.call, 'XGROUP', 'CREATE', stream(q), GROUP, '0', 'MKSTREAM') end
    r = redis.call(unpack(args))
  end
  if r then
    for _, s in ipairs(r) do
      local q = string.sub(s[1], #P + 3)
      for _, e in ipairs(s[2]) do entries[#entries + 1] = {q, e[1], 1, e[2]} end
    end
  end
end

local prefetch = ARGV[5] == '1'
for _, en in ipairs(entries) do
  local list = en[4]
  local f = fields_of(list)
  local known = (f.b and 2 or 0) + (f.f and 2 or 0) + (f.e and 2 or 0) + (f.d and 2 or 0)
  local row = {en[1], en[2], en[3], f.d or '0', false, false, false, false, false, false, false, 0}
  if f.b and known == #list then
    row[5], row[6], row[7] = f.b, f.f or false, f.e or false
    if prefetch and f.f then
      local h = redis.call('HMGET', P .. 'flow:' .. f.f, 'v', 'st', 'r', 'a:' .. (f.e or ''))
      row[9], row[10], row[11] = h[1], h[2], h[3]
      if f.e and h[4] then row[12] = 1 end
    end
  else
    row[8] = list
  end
  out[#out + 1] = row
end
return out
)lua";

const std::string commit = std::string(kPrelude) + R"lua(
local consumed, flow, event = ARGV[3], ARGV[6], ARGV[14]
if consumed ~= '' and not holds(consumed, ARGV[4], ARGV[2], ARGV[5]) then return 'lease_lost' end
local key = P .. 'flow:' .. flow
if flow ~= '' then
  local h = redis.call('HMGET', key, 'v', 'a:' .. event)
  if ARGV[7] == '0' then
    if h[1] then return 'conflict' end
  elseif h[1] ~= ARGV[7] then
    return 'conflict'
  end
  if event ~= '' and h[2] then return 'conflict' end
end

if consumed ~= '' then
  redis.call('XACK', stream(consumed), GROUP, ARGV[4])
  redis.call('XDEL', stream(consumed), ARGV[4])
end
if flow ~= '' then
  -- The applied event ids are fields of the run's hash ("a:<event id>"): one read checks version and event.
  if event ~= '' then
    redis.call('HSET', key, 'v', ARGV[8], 'n', ARGV[9], 's', ARGV[10], 'r', ARGV[11], 'st', ARGV[12],
               'a:' .. event, '1')
  else
    redis.call('HSET', key, 'v', ARGV[8], 'n', ARGV[9], 's', ARGV[10], 'r', ARGV[11], 'st', ARGV[12])
  end
  if ARGV[15] == '1' then redis.call('HSETNX', P .. 'args:' .. flow, ARGV[11], ARGV[16]) end
  if ARGV[10] ~= 'running' then
    -- Wakes clients blocked in wait_flow (BLPOP); kept a while for those that come later.
    redis.call('LPUSH', P .. 'ended:' .. flow, '1')
    redis.call('EXPIRE', P .. 'ended:' .. flow, 600)
  end
end
local i = 18
for _ = 1, tonumber(ARGV[17]) do
  redis.call('HSETNX', P .. 'args:' .. ARGV[i], ARGV[i + 1], ARGV[i + 2])
  i = i + 3
end
local n = tonumber(ARGV[i])
i = i + 1
for _ = 1, n do
  enqueue(ARGV[i], ARGV[i + 4], ARGV[i + 2], ARGV[i + 3], '0', tonumber(ARGV[i + 1]), nil, ARGV[i + 5],
          ARGV[i + 6] == '1')
  i = i + 7
end
return 'committed'
)lua";

const std::string release = std::string(kPrelude) + R"lua(
local q, id = ARGV[3], ARGV[4]
if not holds(q, id, ARGV[2], ARGV[5]) then return 0 end
local r = redis.call('XRANGE', stream(q), id, id)
redis.call('XACK', stream(q), GROUP, id)
redis.call('XDEL', stream(q), id)
if #r == 1 then
  local list = r[1][2]
  local f = fields_of(list)
  local known = (f.b and 2 or 0) + (f.f and 2 or 0) + (f.e and 2 or 0) + (f.d and 2 or 0)
  if f.b and known == #list then
    -- Given back, not failed: the earlier deliveries carry over, this one does not count.
    local d = tonumber(f.d or '0') + tonumber(ARGV[5]) - 1
    enqueue(q, f.b, f.f or '', f.e or '', tostring(d), tonumber(ARGV[6]), nil, ARGV[7], false)
  else
    local args = {'XADD', stream(q), '*'}
    for _, v in ipairs(list) do args[#args + 1] = v end
    redis.call(unpack(args))
  end
end
return 1
)lua";

const std::string bury = std::string(kPrelude) + R"lua(
local q, id = ARGV[3], ARGV[4]
if not holds(q, id, ARGV[2], ARGV[5]) then return 0 end
redis.call('XADD', P .. 'dead', '*', 'q', q, 'r', ARGV[6], 'b', ARGV[7], 'n', ARGV[8], 't', now_ms())
redis.call('XACK', stream(q), GROUP, id)
redis.call('XDEL', stream(q), id)
return 1
)lua";

const std::string extend = std::string(kPrelude) + R"lua(
local q, id = ARGV[3], ARGV[4]
if not holds(q, id, ARGV[2], ARGV[5]) then return 0 end
-- JUSTID: the idle time restarts and the delivery count stays, so the lease token stays valid.
redis.call('XCLAIM', stream(q), GROUP, ARGV[2], 0, id, 'JUSTID')
return 1
)lua";

const std::string throttle = std::string(kPrelude) + R"lua(
local now = now_ms()
local due = tonumber(redis.call('HGET', P .. 'throttle', ARGV[2]) or now)
if due < now then due = now end
redis.call('HSET', P .. 'throttle', ARGV[2], due + tonumber(ARGV[3]))
return due - now
)lua";

const std::string pending = std::string(kPrelude) + R"lua(
local n = redis.call('ZCARD', P .. 'delayed')
for _, q in ipairs(redis.call('SMEMBERS', P .. 'queues')) do n = n + redis.call('XLEN', stream(q)) end
return n
)lua";

const std::string enqueue_raw = std::string(kPrelude) + R"lua(
enqueue(ARGV[2], ARGV[3], '', '', '0', 0, nil, '', true)
return 1
)lua";

}  // namespace selinon::redis::scripts
