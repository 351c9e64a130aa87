// Runs a command next to a redis-server of its own: with_redis COMMAND [ARGS...]. The server listens on a free
// loopback port; the command finds its URL in $SELINON_TEST_BROKER and $SELINON_BROKER. The server is stopped when
// the command ends; the command's exit status is returned.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "redis_server.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: with_redis COMMAND [ARGS...]\n");
    return 2;
  }
  try {
    selinon::testing::RedisServer server;
    ::setenv("SELINON_TEST_BROKER", server.url().c_str(), 1);
    ::setenv("SELINON_BROKER", server.url().c_str(), 1);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execvp(argv[1], argv + 1);
      std::perror("with_redis: exec");
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "with_redis: %s\n", error.what());
    return 1;
  }
}
