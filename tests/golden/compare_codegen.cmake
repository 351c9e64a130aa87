# Runs `selinonc compile --namespace NAMESPACE -o OUTPUT_DIR NODES FLOWS` and compares every generated file with
# GOLDEN_DIR, byte for byte.
# With the environment variable SELINON_UPDATE_GOLDEN=1 (scripts/update-golden.sh) it rewrites GOLDEN_DIR instead.
# Usage: cmake -DSELINONC=... -DGOLDEN_DIR=... -DOUTPUT_DIR=... -DNAMESPACE=... -DNODES=... -DFLOWS=<files, |-separated>
#              -P compare_codegen.cmake
cmake_minimum_required(VERSION 3.25)  # IN_LIST

file(REMOVE_RECURSE "${OUTPUT_DIR}")  # a stale file from an earlier run must not hide a missing one
string(REPLACE "|" ";" flows "${FLOWS}")
execute_process(COMMAND "${SELINONC}" compile --color never --namespace "${NAMESPACE}" -o "${OUTPUT_DIR}" "${NODES}"
                        ${flows}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "selinonc compile failed (${rc}):\n${out}${err}")
endif()

if("$ENV{SELINON_UPDATE_GOLDEN}" STREQUAL "1")
  file(REMOVE_RECURSE "${GOLDEN_DIR}")
  file(COPY "${OUTPUT_DIR}/" DESTINATION "${GOLDEN_DIR}")
  message(STATUS "golden files rewritten: ${GOLDEN_DIR}")
  return()
endif()

file(GLOB_RECURSE generated RELATIVE "${OUTPUT_DIR}" "${OUTPUT_DIR}/*")
file(GLOB_RECURSE golden RELATIVE "${GOLDEN_DIR}" "${GOLDEN_DIR}/*")
list(SORT generated)
list(SORT golden)
set(problems "")
foreach(f IN LISTS generated)
  if(NOT f IN_LIST golden)
    string(APPEND problems "  new file: ${f}\n")
  else()
    file(READ "${OUTPUT_DIR}/${f}" now HEX)
    file(READ "${GOLDEN_DIR}/${f}" expected HEX)
    if(NOT now STREQUAL expected)
      string(APPEND problems "  differs: ${f}\n")
      # A unified diff straight to the test's output (message() would reflow it) when the tool is there.
      find_program(DIFF_EXECUTABLE diff)
      if(DIFF_EXECUTABLE)
        execute_process(COMMAND "${DIFF_EXECUTABLE}" -u "${GOLDEN_DIR}/${f}" "${OUTPUT_DIR}/${f}")
      endif()
    endif()
  endif()
endforeach()
foreach(f IN LISTS golden)
  if(NOT f IN_LIST generated)
    string(APPEND problems "  no longer generated: ${f}\n")
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "The generated C++ differs from the golden files in ${GOLDEN_DIR}:\n${problems}"
                      "If the change is intended, run scripts/update-golden.sh and commit the updated files.")
endif()
