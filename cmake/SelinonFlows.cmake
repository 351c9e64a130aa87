# CMake functions of Selinon for C++: compile flow configurations into a library, build worker binaries.
#
#   selinon_add_flows(<name> CONFIG <nodes.yml> FLOWS <flow files or dirs>...
#                     [INCLUDE_DIRECTORIES <dirs>...] [MOCK_ALL_TASKS] [NAMESPACE <c++ namespace>]
#                     [SELINONC_FLAGS <flags>...])
#     Runs `selinonc compile` during the build (configuration errors fail the build with selinonc's diagnostics)
#     and creates the static library <name> from the generated code. Task, storage, foreach and predicate headers
#     named by `import:` are looked up in INCLUDE_DIRECTORIES (default: the calling directory).
#
#   selinon_add_worker(<name> FLOWS <flows target> [SOURCES <task sources>...] [MOCK_ALL_TASKS])
#     Creates the worker executable <name> (`<name> execute FLOW`, `<name> run`). With MOCK_ALL_TASKS the worker is
#     built for the same configuration with no task code at all: every task is scripted at run time (--mock FILE).

include_guard(GLOBAL)

function(_selinon_selinonc_command out_var)
  if(TARGET selinonc)
    set(${out_var} "$<TARGET_FILE:selinonc>" PARENT_SCOPE)
  else()
    find_program(SELINONC_EXECUTABLE selinonc REQUIRED)
    set(${out_var} "${SELINONC_EXECUTABLE}" PARENT_SCOPE)
  endif()
endfunction()

function(_selinon_runtime_target out_var)
  if(TARGET selinon_runtime)
    set(${out_var} selinon_runtime PARENT_SCOPE)
  else()
    set(${out_var} Selinon::runtime PARENT_SCOPE)
  endif()
endfunction()

function(selinon_add_flows name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "MOCK_ALL_TASKS" "CONFIG;NAMESPACE" "FLOWS;INCLUDE_DIRECTORIES;SELINONC_FLAGS")
  if(NOT ARG_CONFIG)
    message(FATAL_ERROR "selinon_add_flows(${name}): CONFIG <nodes.yml> is required")
  endif()
  get_filename_component(config "${ARG_CONFIG}" ABSOLUTE)
  set(flows "")
  foreach(f IN LISTS ARG_FLOWS)
    get_filename_component(abs "${f}" ABSOLUTE)
    list(APPEND flows "${abs}")
  endforeach()
  if(NOT ARG_INCLUDE_DIRECTORIES)
    set(ARG_INCLUDE_DIRECTORIES "${CMAKE_CURRENT_SOURCE_DIR}")
  endif()
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${name}.selinon")
  if(NOT ARG_NAMESPACE)
    set(ARG_NAMESPACE selinon_generated)
  endif()
  set(mock_flag "")
  if(ARG_MOCK_ALL_TASKS)
    set(mock_flag "--mock-all-tasks")
  endif()
  _selinon_selinonc_command(selinonc)
  # Regenerate when selinonc changes: the in-tree target, or the prebuilt executable of an installed Selinon.
  set(depends "${selinonc}")
  if(TARGET selinonc)
    set(depends selinonc)
  endif()
  # selinonc rewrites a file only when its text changes; the stamp tells the build the step ran, and the generated
  # sources are byproducts so unchanged files do not trigger recompilation.
  add_custom_command(
    OUTPUT "${out}/selinonc.stamp"
    BYPRODUCTS "${out}/all_flows.cpp" "${out}/system.cpp" "${out}/system.hpp" "${out}/worker_main.cpp"
    COMMAND "${selinonc}" compile --color never ${mock_flag} --namespace ${ARG_NAMESPACE} ${ARG_SELINONC_FLAGS} -o "${out}"
            --depfile "${out}/selinonc.d" --depfile-target "${out}/selinonc.stamp" "${config}" ${flows}
    COMMAND "${CMAKE_COMMAND}" -E touch "${out}/selinonc.stamp"
    DEPENDS "${config}" ${flows} ${depends}
    DEPFILE "${out}/selinonc.d"
    COMMENT "selinonc: compiling flows of ${name}"
    VERBATIM)
  add_custom_target(${name}_selinonc DEPENDS "${out}/selinonc.stamp")
  add_library(${name} STATIC "${out}/all_flows.cpp" "${out}/system.cpp")
  add_dependencies(${name} ${name}_selinonc)
  target_include_directories(${name} PUBLIC "${out}" ${ARG_INCLUDE_DIRECTORIES})
  _selinon_runtime_target(runtime)
  target_link_libraries(${name} PUBLIC ${runtime})
  target_compile_features(${name} PUBLIC cxx_std_20)
  if(TARGET selinon_runtime_pch)
    target_precompile_headers(${name} REUSE_FROM selinon_runtime_pch)  # in-tree builds: compile faster
  endif()
  if(TARGET selinon_compile_options)
    # In-tree build: the generated code gets the project's warning flags (and -Werror), so every configuration the
    # project compiles also proves the emitted C++ is warning-free. Installed builds leave users' flags alone.
    target_link_libraries(${name} PRIVATE selinon_compile_options)
  endif()
  set_target_properties(${name} PROPERTIES
    SELINON_OUTPUT_DIR "${out}"
    SELINON_CONFIG "${config}"
    SELINON_FLOW_FILES "${flows}"
    SELINON_INCLUDE_DIRECTORIES "${ARG_INCLUDE_DIRECTORIES}"
    SELINON_MOCK_ALL_TASKS "${ARG_MOCK_ALL_TASKS}")
endfunction()

function(selinon_add_worker name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "MOCK_ALL_TASKS" "FLOWS" "SOURCES")
  if(NOT ARG_FLOWS OR NOT TARGET ${ARG_FLOWS})
    message(FATAL_ERROR "selinon_add_worker(${name}): FLOWS must name a target made by selinon_add_flows")
  endif()
  set(flows_target ${ARG_FLOWS})
  get_target_property(already_mock ${ARG_FLOWS} SELINON_MOCK_ALL_TASKS)
  if(ARG_MOCK_ALL_TASKS AND NOT already_mock)
    # The same configuration compiled again with every task scripted, so no task code is needed.
    set(flows_target ${name}_mock_flows)
    if(NOT TARGET ${flows_target})
      get_target_property(config ${ARG_FLOWS} SELINON_CONFIG)
      get_target_property(files ${ARG_FLOWS} SELINON_FLOW_FILES)
      selinon_add_flows(${flows_target} CONFIG "${config}" FLOWS ${files} MOCK_ALL_TASKS)
    endif()
  endif()
  get_target_property(out ${flows_target} SELINON_OUTPUT_DIR)
  add_executable(${name} "${out}/worker_main.cpp" ${ARG_SOURCES})
  add_dependencies(${name} ${flows_target}_selinonc)
  target_link_libraries(${name} PRIVATE ${flows_target})
endfunction()
