// The Lua scripts of the Redis backend. Each runs atomically on the server, so every check (lease, version,
// applied event) and every write it guards happen in one step, with no other client in between.
#pragma once

#include <string>

namespace selinon::redis::scripts {

// ARGV: prefix, consumer, count, reclaim idle ms (0: no reclaim), prefetch (0/1), queues... (none: every queue).
// Moves due delayed messages to their streams, takes back up to `count` messages idle past the lease from dead
// consumers (XAUTOCLAIM), claims new ones (XREADGROUP), and for flow events reads the run's version, state and
// whether the event was applied, so the load that follows costs no round trip.
// Returns {now ms, next due ms or nil, queues used (when none were named) or nil, entry...}; an entry is
// {queue, id, delivery count, earlier deliveries, body or nil, dispatcher id or nil, event id or nil,
//  fields (when the entry is not one of ours) or nil, version or nil, state or nil, args revision or nil, applied}.
extern const std::string claim;

// ARGV: prefix, consumer, consumed queue ('' none), entry id, lease,
//       flow id ('' none), expected version ('0': must not exist), new version, flow name, status, args revision,
//       state, (unused), event id, store node_args (0/1), node_args,
//       m, then m x (dispatcher id, revision, node_args), n, then n x (queue, delay ms, dispatcher id, event id,
//       body, uid, register the queue 0/1).
// Returns 'committed', 'conflict' or 'lease_lost'; nothing is written unless it returns 'committed'.
extern const std::string commit;

// ARGV: prefix, consumer, queue, entry id, lease, delay ms, uid. Gives the message back, its delivery uncounted.
extern const std::string release;
// ARGV: prefix, consumer, queue, entry id, lease, reason, letter, deliveries. Acknowledges and buries.
extern const std::string bury;
// ARGV: prefix, consumer, queue, entry id, lease. Restarts the lease's clock; 0 when the claim was lost.
extern const std::string extend;
// ARGV: prefix, key, spacing ms. The delay that keeps messages of `key` `spacing` apart.
extern const std::string throttle;
// ARGV: prefix. Messages stored and not acknowledged: in streams and delayed.
extern const std::string pending;
// ARGV: prefix, queue, bytes.
extern const std::string enqueue_raw;

}  // namespace selinon::redis::scripts
