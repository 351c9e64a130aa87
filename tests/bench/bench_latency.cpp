// Latency of a 3-task chain: one flow at a time, the clock running from start_flow until wait_flow sees the
// outcome, with N worker processes (`run -c 1`) serving. On any durable backend URL:
//
//   bench_latency [--broker URL] [--workers 2] [--flows 1000]     (default broker: $SELINON_TEST_BROKER)
//
// Prints: latency chain3 backend=<name> workers=<N> flows=<F> p50_ms=<X> p99_ms=<Y> mean_ms=<Z>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <selinon/engine.hpp>

#include "worker_processes.hpp"

namespace latency_flows {
const selinon::SystemDescriptor& system();
}

int main(int argc, char** argv) {
  std::string broker;
  int workers = 2;
  int flows = 1000;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const std::string value = i + 1 < argc ? argv[i + 1] : "";
    if (arg == "--broker") broker = value;
    else if (arg == "--workers") workers = std::stoi(value);
    else if (arg == "--flows") flows = std::stoi(value);
    else {
      std::fprintf(stderr, "usage: bench_latency --broker URL [--workers N] [--flows N]\n");
      return 2;
    }
    ++i;
  }
  if (broker.empty() && std::getenv("SELINON_TEST_BROKER") != nullptr) broker = std::getenv("SELINON_TEST_BROKER");
  if (broker.empty() || workers < 1 || flows < 1) {
    std::fprintf(stderr, "usage: bench_latency --broker URL [--workers N] [--flows N]\n");
    return 2;
  }
  try {
    if (broker.rfind("redis://", 0) == 0) {
      broker += (broker.find('?') == std::string::npos ? "?" : "&") + std::string("prefix=latency-") +
                std::to_string(::getpid());
    }
    auto backend = selinon::open_backend(broker);
    selinon::Engine engine(latency_flows::system(), *backend, std::make_shared<selinon::Tracer>());
    selinon::bench::WorkerProcesses processes(
        {LATENCY_WORKER_PATH, "run", "--broker", broker, "-c", "1", "--trace", "none"}, workers, "worker serving");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(flows));
    for (int k = 0; k < flows + flows / 10; ++k) {  // the first tenth warms up connections and caches, untimed
      const auto start = std::chrono::steady_clock::now();
      const std::string id = engine.start_flow("chain3", nullptr);
      auto record = backend->wait_flow(id, std::chrono::seconds(30));
      const double elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (!record || record->status != selinon::FlowState::Status::succeeded) {
        throw std::runtime_error("flow " + id + " did not succeed within 30 s");
      }
      if (k >= flows / 10) ms.push_back(elapsed);
    }
    if (std::string stopped = processes.stop(); !stopped.empty()) throw std::runtime_error(stopped);
    std::sort(ms.begin(), ms.end());
    double sum = 0;
    for (double m : ms) sum += m;
    auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * static_cast<double>(ms.size())))]; };
    std::printf("latency chain3 backend=%s workers=%d flows=%d p50_ms=%.3f p99_ms=%.3f mean_ms=%.3f\n",
                std::string(backend->name()).c_str(), workers, flows, at(0.50), at(0.99),
                sum / static_cast<double>(ms.size()));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_latency: %s\n", e.what());
    return 1;
  }
}
