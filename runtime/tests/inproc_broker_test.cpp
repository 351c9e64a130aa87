// doctest cases of the in-process broker: ordering, fairness, delays, timeouts, shutdown, quiescence, threads.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "selinon/inproc_broker.hpp"

using namespace std::chrono_literals;
using selinon::Delivery;
using selinon::InprocBroker;
using selinon::Json;

namespace {

using Clock = InprocBroker::Clock;

// Timing asserts only lower bounds or very loose upper bounds: the build machine is shared and slow.
constexpr auto kPatience = 5s;

std::vector<Delivery> drain(InprocBroker& broker, const std::vector<std::string>& queues) {
  std::vector<Delivery> out;
  while (auto delivery = broker.consume(queues, 0ms)) {
    out.push_back(std::move(*delivery));
  }
  return out;
}

}  // namespace

TEST_CASE("inproc broker: FIFO order within a queue") {
  InprocBroker broker;
  for (int i = 0; i < 100; ++i) {
    broker.publish("q", Json{{"i", i}});
  }
  const auto got = drain(broker, {"q"});
  REQUIRE(got.size() == 100);
  for (int i = 0; i < 100; ++i) {
    CHECK(got[static_cast<std::size_t>(i)].queue == "q");
    CHECK(got[static_cast<std::size_t>(i)].body.at("i") == i);
  }
}

TEST_CASE("inproc broker: consuming a subset of queues leaves the others alone") {
  InprocBroker broker;
  broker.publish("a", 1);
  broker.publish("b", 2);
  broker.publish("c", 3);

  const auto got = drain(broker, {"b", "never-published"});
  REQUIRE(got.size() == 1);
  CHECK(got[0].queue == "b");
  CHECK(got[0].body == 2);

  // The others are still there, and the empty list means every queue.
  auto rest = drain(broker, {});
  REQUIRE(rest.size() == 2);
  std::sort(rest.begin(), rest.end(), [](const Delivery& x, const Delivery& y) { return x.queue < y.queue; });
  CHECK(rest[0].queue == "a");
  CHECK(rest[1].queue == "c");
}

TEST_CASE("inproc broker: round-robin between two busy queues") {
  InprocBroker broker;
  // All of "busy" is published first: plain FIFO over everything would starve "other".
  for (int i = 0; i < 10; ++i) {
    broker.publish("busy", i);
  }
  for (int i = 0; i < 10; ++i) {
    broker.publish("other", i);
  }

  SUBCASE("explicit queue list") {
    const auto got = drain(broker, {"busy", "other"});
    REQUIRE(got.size() == 20);
    for (std::size_t i = 1; i < got.size(); ++i) {
      CHECK(got[i].queue != got[i - 1].queue);
    }
  }
  SUBCASE("all queues") {
    const auto got = drain(broker, {});
    REQUIRE(got.size() == 20);
    for (std::size_t i = 1; i < got.size(); ++i) {
      CHECK(got[i].queue != got[i - 1].queue);
    }
  }
  SUBCASE("FIFO still holds within each queue") {
    const auto got = drain(broker, {"other", "busy"});
    int next_busy = 0;
    int next_other = 0;
    for (const auto& delivery : got) {
      CHECK(delivery.body == (delivery.queue == "busy" ? next_busy++ : next_other++));
    }
    CHECK(next_busy == 10);
    CHECK(next_other == 10);
  }
}

TEST_CASE("inproc broker: a delayed message waits for its delay") {
  InprocBroker broker;
  const auto published = Clock::now();
  broker.publish("q", "late", 100ms);

  // Whatever the scheduler does, a delivery must never come before the due time.
  auto early = broker.consume({"q"}, 0ms);
  CHECK((!early || Clock::now() - published >= 100ms));
  if (!early) {
    early = broker.consume({"q"}, 30ms);
    CHECK((!early || Clock::now() - published >= 100ms));
  }

  auto delivery = early ? std::move(early) : broker.consume({"q"}, 1s);
  REQUIRE(delivery.has_value());
  CHECK(Clock::now() - published >= 100ms);
  CHECK(delivery->body == "late");
}

TEST_CASE("inproc broker: a consumer sleeping until a far due time is woken by an immediate message") {
  InprocBroker broker;
  broker.publish("q", "far", 10s);
  std::optional<Delivery> got;
  std::thread consumer([&] { got = broker.consume({"q"}, 10s); });
  std::this_thread::sleep_for(30ms);
  broker.publish("q", "now");
  consumer.join();
  REQUIRE(got.has_value());
  CHECK(got->body == "now");
}

TEST_CASE("inproc broker: delayed messages due together keep publish order") {
  InprocBroker broker;
  SUBCASE("same absolute due time") {
    const auto due = Clock::now() + 50ms;
    for (int i = 0; i < 20; ++i) {
      broker.publish_at("q", i, due);
    }
  }
  SUBCASE("same delay, published back to back") {
    for (int i = 0; i < 20; ++i) {
      broker.publish("q", i, 50ms);
    }
  }
  std::vector<Delivery> got;
  const auto deadline = Clock::now() + kPatience;
  while (got.size() < 20 && Clock::now() < deadline) {
    if (auto delivery = broker.consume({"q"}, 1s)) {
      got.push_back(std::move(*delivery));
    }
  }
  REQUIRE(got.size() == 20);
  for (int i = 0; i < 20; ++i) {
    CHECK(got[static_cast<std::size_t>(i)].body == i);
  }
}

TEST_CASE("inproc broker: an earlier due time overtakes a later one") {
  InprocBroker broker;
  broker.publish("q", "second", 300ms);
  broker.publish("q", "first", 50ms);
  const auto a = broker.consume({"q"}, kPatience);
  const auto b = broker.consume({"q"}, kPatience);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->body == "first");
  CHECK(b->body == "second");
}

TEST_CASE("inproc broker: consume times out with nullopt") {
  InprocBroker broker;
  const auto started = Clock::now();
  CHECK_FALSE(broker.consume({"q"}, 50ms).has_value());
  CHECK(Clock::now() - started >= 50ms);
  CHECK_FALSE(broker.consume({}, 0ms).has_value());

  // A message on another queue does not end the wait early with something foreign.
  broker.publish("other", 1);
  CHECK_FALSE(broker.consume({"q"}, 20ms).has_value());
}

TEST_CASE("inproc broker: shutdown wakes a blocked consumer promptly") {
  InprocBroker broker;
  std::optional<Delivery> got;
  std::atomic<bool> returned{false};
  std::thread consumer([&] {
    got = broker.consume({"q"}, 60s);
    returned = true;
  });
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(returned.load());
  const auto shut = Clock::now();
  broker.shutdown();
  consumer.join();
  CHECK(Clock::now() - shut < kPatience);
  CHECK_FALSE(got.has_value());

  // Later calls return at once, and publishing after shutdown is ignored.
  broker.publish("q", 1);
  CHECK(broker.pending() == 0);
  const auto later = Clock::now();
  CHECK_FALSE(broker.consume({"q"}, 60s).has_value());
  CHECK(Clock::now() - later < kPatience);
}

TEST_CASE("inproc broker: shutdown wakes a consumer waiting for a delayed message") {
  InprocBroker broker;
  broker.publish("q", 1, 60s);
  std::optional<Delivery> got;
  std::thread consumer([&] { got = broker.consume({}, 60s); });
  std::this_thread::sleep_for(30ms);
  const auto shut = Clock::now();
  broker.shutdown();
  consumer.join();
  CHECK(Clock::now() - shut < kPatience);
  CHECK_FALSE(got.has_value());
}

TEST_CASE("inproc broker: pending counts a message from publish until ack") {
  InprocBroker broker;
  CHECK(broker.pending() == 0);
  CHECK(broker.wait_idle(0ms));

  broker.publish("q", 1);
  broker.publish("q", 2, 50ms);
  CHECK(broker.pending() == 2);

  auto first = broker.consume({"q"}, kPatience);
  REQUIRE(first.has_value());
  CHECK(broker.pending() == 2);  // in flight until ack
  CHECK_FALSE(broker.wait_idle(20ms));
  broker.ack(*first);
  CHECK(broker.pending() == 1);  // the delayed one
  broker.ack(*first);            // a double ack is ignored
  broker.ack(Delivery{"q", 0, 424242});
  CHECK(broker.pending() == 1);

  auto second = broker.consume({"q"}, kPatience);
  REQUIRE(second.has_value());
  CHECK(second->tag != first->tag);
  CHECK(broker.pending() == 1);
  broker.ack(*second);
  CHECK(broker.pending() == 0);
  CHECK(broker.wait_idle(0ms));
}

TEST_CASE("inproc broker: wait_idle returns when another thread acks the last delivery") {
  InprocBroker broker;
  broker.publish("q", 1);
  std::thread worker([&] {
    auto delivery = broker.consume({"q"}, kPatience);
    std::this_thread::sleep_for(50ms);
    if (delivery) {
      broker.ack(*delivery);
    }
  });
  const auto started = Clock::now();
  CHECK(broker.wait_idle(60s));
  CHECK(Clock::now() - started < kPatience);
  CHECK(broker.pending() == 0);
  worker.join();
}

TEST_CASE("inproc broker: shutdown ends wait_idle, which reports the work left") {
  InprocBroker broker;
  broker.publish("q", 1);
  bool idle = true;
  std::thread waiter([&] { idle = broker.wait_idle(60s); });
  std::this_thread::sleep_for(30ms);
  const auto shut = Clock::now();
  broker.shutdown();
  waiter.join();
  CHECK(Clock::now() - shut < kPatience);
  CHECK_FALSE(idle);
  CHECK(broker.pending() == 1);
}

TEST_CASE("inproc broker: delivery tags are unique") {
  InprocBroker broker;
  for (int i = 0; i < 50; ++i) {
    broker.publish(i % 2 == 0 ? "a" : "b", i);
  }
  std::unordered_set<std::uint64_t> tags;
  for (const auto& delivery : drain(broker, {})) {
    CHECK(delivery.tag != 0);
    CHECK(tags.insert(delivery.tag).second);
  }
  CHECK(tags.size() == 50);
}

TEST_CASE("inproc broker: 4 producers x 4 consumers x 5000 messages, each delivered exactly once") {
  constexpr int kProducers = 4;
  constexpr int kConsumers = 4;
  constexpr int kPerProducer = 5000;
  constexpr int kTotal = kProducers * kPerProducer;
  const std::vector<std::string> names{"alpha", "beta", "gamma"};

  InprocBroker broker;
  std::vector<std::atomic<int>> seen(kTotal);
  std::atomic<bool> stop{false};

  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    // Half read every queue, half an explicit list, so both take() paths race each other.
    const auto wanted = c % 2 == 0 ? std::vector<std::string>{} : names;
    consumers.emplace_back([&broker, &seen, &stop, wanted] {
      while (!stop.load()) {
        if (auto delivery = broker.consume(wanted, 20ms)) {
          seen[static_cast<std::size_t>(delivery->body.at("id").get<int>())].fetch_add(1);
          broker.ack(*delivery);
        }
      }
    });
  }

  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&broker, &names, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        const int id = p * kPerProducer + i;
        // A few delayed ones exercise the timer heap under contention.
        const auto delay = id % 97 == 0 ? std::chrono::milliseconds{id % 5 + 1} : 0ms;
        broker.publish(names[static_cast<std::size_t>(id) % names.size()], Json{{"id", id}}, delay);
      }
    });
  }
  for (auto& producer : producers) {
    producer.join();
  }

  const bool idle = broker.wait_idle(60s);
  stop = true;
  broker.shutdown();
  for (auto& consumer : consumers) {
    consumer.join();
  }

  REQUIRE(idle);
  CHECK(broker.pending() == 0);
  int missing = 0;
  int duplicated = 0;
  for (const auto& count : seen) {
    missing += count.load() == 0 ? 1 : 0;
    duplicated += count.load() > 1 ? 1 : 0;
  }
  CHECK(missing == 0);
  CHECK(duplicated == 0);
}
