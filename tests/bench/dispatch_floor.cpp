// The thread-pool floor: one shared queue, a mutex and a condition variable, empty closures.
#include "dispatch_floor.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace selinon::bench {
namespace {

class ThreadPool {
 public:
  explicit ThreadPool(int threads) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& w : workers_) w.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void submit(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    ready_.notify_one();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace

double thread_pool_floor(long closures, int threads) {
  ThreadPool pool(threads);
  // Let the workers reach their wait, as the runtime's workers reach claim() before its clock starts.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::atomic<long> done{0};
  std::mutex mutex;
  std::condition_variable all_done;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < closures; ++i) {
    pool.submit([&] {
      if (done.fetch_add(1) + 1 == closures) {
        std::lock_guard lock(mutex);
        all_done.notify_one();
      }
    });
  }
  {
    std::unique_lock lock(mutex);
    all_done.wait(lock, [&] { return done.load() == closures; });
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace selinon::bench
