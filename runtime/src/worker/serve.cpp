// The serving loop of a worker process: threads that claim and handle messages, and a keeper of their leases.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "crash_points.hpp"
#include "selinon/engine.hpp"

namespace selinon {
namespace {

// Renews the leases of claims in hand, so a task that runs longer than the lease is not delivered to a second
// worker while the first one is still on it.
class LeaseKeeper {
 public:
  LeaseKeeper(Backend& backend, std::chrono::milliseconds lease) : backend_(backend), period_(lease / 3) {
    thread_ = std::thread([this] { run(); });
  }
  ~LeaseKeeper() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  void hold(int slot, const Claim* claim) {
    std::lock_guard lock(mutex_);
    if (claim) held_[slot] = claim;
    else held_.erase(slot);
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, period_, [this] { return stopping_; });
      // Under the lock: a claim cannot be handed back (and freed) while its lease is renewed.
      for (const auto& [slot, claim] : held_) {
        try {
          backend_.extend(*claim);
        } catch (const std::exception&) {
          // Unknown now; the commit's lease check decides, and the next round tries again.
        }
      }
    }
  }

  Backend& backend_;
  std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::unordered_map<int, const Claim*> held_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

void serve(Engine& engine, Backend& backend, const std::vector<std::string>& queues, int concurrency,
           const std::atomic<bool>& stop, std::chrono::milliseconds lease) {
  std::optional<LeaseKeeper> keeper;
  if (backend.leases_expire()) keeper.emplace(backend, lease);
  std::vector<std::thread> workers;
  for (int i = 0; i < std::max(1, concurrency); ++i) {
    workers.emplace_back([&, i] {
      while (!stop.load()) {
        std::optional<Claim> claim;
        try {
          claim = backend.claim(queues, std::chrono::milliseconds(100));
          if (!claim) continue;
          crash_point("claimed");
          if (keeper) keeper->hold(i, &*claim);
          engine.handle(*claim);
        } catch (const BackendUnavailable& error) {
          // The server is away longer than the backend's own retries: say so and keep trying. A claim in hand
          // stays leased and is delivered again once its lease runs out.
          std::fprintf(stderr, "selinon worker: %s; retrying\n", error.what());
          std::this_thread::sleep_for(std::chrono::seconds(1));
        } catch (const std::exception& error) {
          // Whatever else the backend throws must not end the worker: the claim stays leased, and a failure that
          // persists shows in the log once a second.
          std::fprintf(stderr, "selinon worker: error: %s; retrying\n", error.what());
          std::this_thread::sleep_for(std::chrono::seconds(1));
        }
        if (keeper) keeper->hold(i, nullptr);
      }
    });
  }
  for (auto& w : workers) w.join();
}

}  // namespace selinon
