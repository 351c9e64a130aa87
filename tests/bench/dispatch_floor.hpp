// The floor of the dispatch benchmark: the least any runtime must spend to hand units of work to threads.
#pragma once

namespace selinon::bench {

// Seconds `threads` threads of a mutex + condition-variable pool take to run `closures` empty closures submitted
// one by one through one shared queue (the pool is started before the clock starts).
double thread_pool_floor(long closures, int threads);

}  // namespace selinon::bench
