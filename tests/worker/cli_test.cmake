# The worker command line as scripts use it, on a SQLite database in a fresh directory (or on the backend named by
# $SELINON_TEST_BROKER, e.g. a redis-server started by with_redis):
#   start prints the id alone on its first line; status prints `status: ...` first; start --wait exits 0 only on
#   success; hostile node_args get a clear error and exit status 2, never a crash.
#   cmake -DWORKER=<crash_worker> -DDIR=<scratch dir> -P cli_test.cmake
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}")
set(url "sqlite://${DIR}/cli.db")
if(DEFINED ENV{SELINON_TEST_BROKER})
  set(url "$ENV{SELINON_TEST_BROKER}")
endif()

function(expect_exit code)
  if(NOT "${status}" STREQUAL "${code}")
    message(FATAL_ERROR "${what}: exit status ${status}, expected ${code}\nstdout: ${out}\nstderr: ${err}")
  endif()
endfunction()
function(expect_match text regex)
  if(NOT "${text}" MATCHES "${regex}")
    message(FATAL_ERROR "${what}: output does not match '${regex}':\n${text}\nstderr: ${err}")
  endif()
endfunction()

# A flow started with no worker serving: it exists, running, and start printed only its id on line 1.
set(what "start without --wait")
execute_process(COMMAND "${WORKER}" start mix --broker "${url}" -a "{\"items\": [1, 2]}"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 30)
expect_exit(0)
expect_match("${out}" "^[0-9A-Za-z_-]+\n$")
string(STRIP "${out}" first_id)

set(what "status of a queued flow")
execute_process(COMMAND "${WORKER}" status "${first_id}" --broker "${url}"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 30)
expect_exit(0)
expect_match("${out}" "^status: running\n")

set(what "status of an unknown id")
execute_process(COMMAND "${WORKER}" status nosuchflowrun --broker "${url}"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 30)
expect_exit(2)
expect_match("${out}" "^status: unknown\n")

# A worker serves the database in the background while the next commands run.
execute_process(COMMAND sh -c "\"${WORKER}\" run --broker \"${url}\" --trace none -c 2 >\"${DIR}/worker.log\" 2>&1 & echo $!"
                OUTPUT_VARIABLE worker_pid OUTPUT_STRIP_TRAILING_WHITESPACE)

set(what "start --wait of a succeeding flow")
execute_process(COMMAND "${WORKER}" start mix --broker "${url}" -a "{\"items\": [1, 2, 3]}" --wait --timeout 60
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 90)
expect_exit(0)
expect_match("${out}" "^[0-9A-Za-z_-]+\nstatus: finished\n")

set(what "start --wait of a failing flow")
execute_process(COMMAND "${WORKER}" start doomed --broker "${url}" --wait --timeout 60
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 90)
expect_exit(1)
expect_match("${out}" "^[0-9A-Za-z_-]+\nstatus: failed\n")

# The first flow, queued before the worker came up, has been served meanwhile.
set(what "status of the first flow once served")
foreach(attempt RANGE 60)
  execute_process(COMMAND "${WORKER}" status "${first_id}" --broker "${url}"
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 30)
  if(out MATCHES "^status: finished")
    break()
  endif()
  execute_process(COMMAND sleep 0.5)
endforeach()
expect_match("${out}" "^status: finished\nflow: mix\n")

# SIGTERM: the worker finishes what it holds and exits 0.
execute_process(COMMAND sh -c "kill -TERM ${worker_pid}; while kill -0 ${worker_pid} 2>/dev/null; do sleep 0.1; done")
file(READ "${DIR}/worker.log" log)
set(what "worker stop")
expect_match("${log}" "worker stopped after finishing the messages in hand")

# Hostile node_args: a clear error and exit status 2.
string(REPEAT "[" 200000 open)
string(REPEAT "]" 200000 close)
file(WRITE "${DIR}/deep.json" "${open}${close}")
set(what "node_args nested 200,000 levels deep")
execute_process(COMMAND "${WORKER}" execute mix --node-args "@${DIR}/deep.json" --trace none
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
expect_exit(2)
expect_match("${err}" "node arguments: nested deeper than the limit of 512 levels")

set(what "node_args beyond --max-input-bytes")
execute_process(COMMAND "${WORKER}" start mix --broker "${url}" --max-input-bytes 100
                        -a "{\"items\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]}"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 30)
expect_exit(2)
expect_match("${err}" "node arguments: [0-9]+ bytes, more than the limit of 100")

set(what "node_args that are not JSON")
execute_process(COMMAND "${WORKER}" execute mix -a "{items: oops" --trace none
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 30)
expect_exit(2)
expect_match("${err}" "node arguments: not valid JSON")

file(REMOVE_RECURSE "${DIR}")
message(STATUS "worker command line behaves as scripts expect")
