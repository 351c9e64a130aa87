# The runtime's core (engine, Step, flow state, messages, the backend contract) depends on interfaces only: none of
# its files may include a backend, storage, tracing sink, mock or worker implementation. Fails naming the line.
#   cmake -DRUNTIME=<runtime dir> -P core_includes.cmake
set(core_sources message.cpp flow_state.cpp backend.cpp step.cpp engine.cpp task_runner.cpp task_runner.hpp task.cpp
    system.cpp crash_points.cpp crash_points.hpp)
set(core_headers backend.hpp engine.hpp flow_machine.hpp flow_state.hpp message.hpp storage.hpp system.hpp task.hpp
    task_source.hpp trace.hpp json.hpp)
set(files "")
foreach(f IN LISTS core_sources)
  list(APPEND files "${RUNTIME}/src/${f}")
endforeach()
foreach(f IN LISTS core_headers)
  list(APPEND files "${RUNTIME}/include/selinon/${f}")
endforeach()
# Implementations live in these folders (and mock.hpp is the mock script's header).
set(forbidden "backends/|storages/|selinon/mock\\.hpp|mock/|worker/|predicates/|sqlite|hiredis|curl|yaml-cpp")
set(violations "")
foreach(file IN LISTS files)
  if(NOT EXISTS "${file}")
    message(FATAL_ERROR "core file ${file} does not exist: update tests/layout/core_includes.cmake")
  endif()
  file(STRINGS "${file}" includes REGEX "^#include")
  foreach(line IN LISTS includes)
    if(line MATCHES "${forbidden}")
      string(APPEND violations "\n  ${file}: ${line}")
    endif()
  endforeach()
endforeach()
if(violations)
  message(FATAL_ERROR "the runtime core includes implementations (it may include interfaces only):${violations}")
endif()
list(LENGTH files count)
message(STATUS "core includes interfaces only (${count} files checked)")
