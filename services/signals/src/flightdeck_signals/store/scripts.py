"""The Lua scripts behind every write. Redis runs a script as one command, so each check and the
writes it guards happen with nothing in between: no read-modify-write race between clients.
Times come from the server's clock (``TIME``), so replicas of the service never disagree.

Every script touches only keys of one execution (one hash tag), except the sweep, which also
removes the execution from the terminal set.
"""

from __future__ import annotations

_NOW_MICROS = """
local now = redis.call('TIME')
local micros = now[1] .. string.format('%06d', tonumber(now[2]))
"""

GET_OR_CREATE = (
    """
-- KEYS: types, values, created, updated; ARGV: signal_id, serialized type
-- Returns {stored type, value or nil}: the stored signal, created first when absent.
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if stored then
  return {stored, redis.call('HGET', KEYS[2], ARGV[1])}
end
"""
    + _NOW_MICROS
    + """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], micros, ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], micros)
return {ARGV[2], false}
"""
)

SET_VALUE = (
    """
-- KEYS: types, values, updated, sets, events
-- ARGV: signal_id, serialized type the value was checked against, serialized value, events cap
-- Returns the set count (>= 1); 0 when the signal does not exist; -1 when its type changed.
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then
  return 0
end
if stored ~= ARGV[2] then
  return -1
end
"""
    + _NOW_MICROS
    + """
local count = redis.call('HINCRBY', KEYS[4], ARGV[1], 1)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[1], micros)
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[4], '*', 'signal_id', ARGV[1], 'set', count)
return count
"""
)

SWEEP_EXECUTION = """
-- KEYS: terminal set, then the execution's keys; ARGV: execution tag, cutoff (ms)
-- Returns 1 when the execution was terminal at or before the cutoff and is now removed.
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not at or tonumber(at) > tonumber(ARGV[2]) then
  return 0
end
redis.call('DEL', unpack(KEYS, 2))
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
"""

INDEXED_PAGE = """
-- KEYS: created (the index), types, values, updated
-- ARGV: 'asc' or 'desc', page size, then either 'offset' and a row count or 'after' and the
-- signal id the previous page ended with.
-- Returns false when that signal is gone; else, per signal of the page in index order:
-- signal_id, created, type, value or nil, updated.
local ascending = ARGV[1] == 'asc'
local size = tonumber(ARGV[2])
local start = 0
if ARGV[3] == 'after' then
  local rank
  if ascending then
    rank = redis.call('ZRANK', KEYS[1], ARGV[4])
  else
    rank = redis.call('ZREVRANK', KEYS[1], ARGV[4])
  end
  if not rank then
    return false
  end
  start = rank + 1
else
  start = tonumber(ARGV[4])
end
local ids
if ascending then
  ids = redis.call('ZRANGE', KEYS[1], start, start + size - 1, 'WITHSCORES')
else
  ids = redis.call('ZREVRANGE', KEYS[1], start, start + size - 1, 'WITHSCORES')
end
local page = {}
for i = 1, #ids, 2 do
  local id = ids[i]
  page[#page + 1] = id
  page[#page + 1] = ids[i + 1]
  page[#page + 1] = redis.call('HGET', KEYS[2], id)
  page[#page + 1] = redis.call('HGET', KEYS[3], id)
  page[#page + 1] = redis.call('HGET', KEYS[4], id)
end
return page
"""
