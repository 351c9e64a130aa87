# ctest bench/large-config-checks: generate the large configuration, then `selinonc check` must accept it (exit 0).
# Correctness only; timing belongs to bench_check and is never asserted.
foreach(_var GEN SELINONC OUT)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "large_config_check.cmake needs -D${_var}=...")
  endif()
endforeach()

file(REMOVE_RECURSE "${OUT}")
execute_process(COMMAND "${GEN}" "${OUT}" RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "gen_large_config failed (${_rc})")
endif()
execute_process(COMMAND "${SELINONC}" check --color never "${OUT}/nodes.yml" "${OUT}/flows" RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "selinonc check rejected the generated configuration (exit ${_rc})")
endif()
