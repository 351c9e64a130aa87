# Configures and builds the missing_task project for one case into a fresh directory and prints everything the
# compiler said; ctest matches that output (build failures must name the task).
# Usage: cmake -DCASE=<missing|not_derived|present> -DEXPECT=<failure|success> -DPROJECT_DIR=... -DBINARY_DIR=...
#              -DSELINON_SOURCE_DIR=... -DSELINONC=... -DGENERATOR=... -DCXX_COMPILER=... -P build_project.cmake
foreach(var CASE EXPECT PROJECT_DIR BINARY_DIR SELINON_SOURCE_DIR SELINONC GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "build-failure driver error: -D${var}=... is required")
  endif()
endforeach()

# A fresh directory each run: a cached configuration or stale objects would hide what the build does now.
file(REMOVE_RECURSE "${BINARY_DIR}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${PROJECT_DIR}" -B "${BINARY_DIR}" -G "${GENERATOR}"
          "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DSELINON_SOURCE_DIR=${SELINON_SOURCE_DIR}"
          "-DSELINONC_EXECUTABLE=${SELINONC}" "-DSELINON_CASE=${CASE}"
  RESULT_VARIABLE configure_status
  OUTPUT_VARIABLE configure_output
  ERROR_VARIABLE configure_output)
message("${configure_output}")
if(NOT configure_status EQUAL 0)
  # Only the build may fail: a configure error means the test project itself is broken.
  message(FATAL_ERROR "build-failure driver error: configuring case '${CASE}' failed")
endif()

execute_process(
  COMMAND "${CMAKE_COMMAND}" --build "${BINARY_DIR}"
  RESULT_VARIABLE build_status
  OUTPUT_VARIABLE build_output
  ERROR_VARIABLE build_output)
message("${build_output}")

if(EXPECT STREQUAL "failure" AND build_status EQUAL 0)
  message(FATAL_ERROR "build-failure driver error: case '${CASE}' built, but it must fail")
elseif(EXPECT STREQUAL "success" AND NOT build_status EQUAL 0)
  message(FATAL_ERROR "build-failure driver error: case '${CASE}' did not build")
endif()
message("case '${CASE}': build ${EXPECT} as expected")
