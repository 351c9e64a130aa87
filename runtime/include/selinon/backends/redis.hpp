// The Redis backend: queues as Redis Streams with one consumer group, flow state in hashes, delayed messages in a
// sorted set, every transition committed by one Lua script. Many worker processes on many machines share one
// server; a worker that dies loses nothing (its claims are taken back after the lease by XAUTOCLAIM).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "selinon/backend.hpp"

namespace selinon {

class RedisBackend final : public Backend {
 public:
  // `url`: redis://[[user]:password@]host[:port][/db][?prefix=NAME&retry=SECONDS]. Connects lazily: a server that
  // is down makes operations retry with backoff for `retry` seconds (30 by default), then throw
  // BackendUnavailable. Throws std::invalid_argument for a malformed URL.
  RedisBackend(std::string_view url, BackendOptions options);
  ~RedisBackend() override;
  RedisBackend(const RedisBackend&) = delete;
  RedisBackend& operator=(const RedisBackend&) = delete;

  std::string_view name() const override { return "redis"; }

  std::optional<Claim> claim(const std::vector<std::string>& queues, std::chrono::milliseconds wait) override;
  bool extend(const Claim& claim) override;
  void release(const Claim& claim, std::chrono::milliseconds delay = {}) override;
  void dead_letter(const Claim& claim, const std::string& reason) override;

  std::unique_ptr<FlowSlot> load(const FlowMachine& machine, const std::string& dispatcher_id,
                                 const std::string& event_id) override;
  CommitResult commit(Transition& transition) override;

  std::chrono::milliseconds throttle(const std::string& key, std::chrono::milliseconds spacing) override;

  std::optional<FlowRecord> flow(const std::string& dispatcher_id) override;
  std::optional<FlowState::Status> status(const std::string& dispatcher_id) override;
  std::vector<DeadLetter> dead_letters() override;
  std::size_t pending() override;

  void shutdown() override;
  void enqueue_raw(const std::string& queue, std::string bytes) override;

  // Round trips to the server so far (a pipeline of several commands is one), and those of them that were claims
  // finding nothing (an idle worker looking for work).
  std::uint64_t round_trips() const;
  std::uint64_t idle_round_trips() const;
  std::string usage() const override;

  // Blocks on a notification the commit that ends the run pushes, not by polling: a client sees the end within
  // a round trip.
  std::optional<FlowRecord> wait_flow(const std::string& dispatcher_id, std::chrono::milliseconds timeout) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace selinon
