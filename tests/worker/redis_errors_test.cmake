# Redis URLs a worker cannot use: each gets a clear error naming the problem and exit status 2, never a hang or a
# crash. cmake -DWORKER=<crash_worker> -P redis_errors_test.cmake
function(expect_error what regex)
  execute_process(COMMAND "${WORKER}" ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err
                  TIMEOUT 30)
  if(NOT status STREQUAL "2")
    message(FATAL_ERROR "${what}: exit status ${status}, expected 2\nstdout: ${out}\nstderr: ${err}")
  endif()
  if(NOT err MATCHES "${regex}")
    message(FATAL_ERROR "${what}: stderr does not match '${regex}':\n${err}")
  endif()
endfunction()

expect_error("TLS" "TLS [(]rediss://[)] needs hiredis 1.0 or later built with SSL" status someid --broker rediss://127.0.0.1:6380/0)
# Port 1 on loopback: nothing listens there; retry=1 gives up after a second of reconnecting.
expect_error("no server" "unavailable: redis: cannot connect to 127.0.0.1:1"
             status someid --broker "redis://127.0.0.1:1/0?retry=1")
expect_error("bad port" "port 'http' is not a number" status someid --broker redis://localhost:http/0)
expect_error("unknown option" "unknown option 'color=blue'" status someid --broker "redis://127.0.0.1/0?color=blue")
message(STATUS "the worker reports unusable Redis URLs clearly")
