# CMake functions of Selinon for C++: compile flow configurations into a library, build worker binaries.
#
#   selinon_add_flows(<name> CONFIG <nodes.yml> FLOWS <flow files or dirs>...
#                     [PLOT dot|svg|png|pdf] [WERROR] [NAMESPACE <c++ namespace>]
#                     [INCLUDE_DIRECTORIES <dirs>...] [MOCK_ALL_TASKS] [SELINONC_FLAGS <flags>...])
#     Runs `selinonc compile` during the build (configuration errors fail the build with selinonc's diagnostics)
#     and creates the static library <name> from the generated code. Task, storage, foreach and predicate headers
#     named by `import:` are looked up in INCLUDE_DIRECTORIES (default: the calling directory).
#     WERROR makes every selinonc warning fail the build. PLOT draws every flow with `selinonc plot` into
#     <build dir>/<name>.plots/<flow>.<format> as part of the default build (target <name>_plot).
#     Nothing re-runs when no input changed; a changed YAML file re-runs selinonc once.
#
#   selinon_add_worker(<name> FLOWS <flows target> [SOURCES <task sources>...] [MOCK_ALL_TASKS])
#     Creates the worker executable <name> (`<name> execute FLOW`, `<name> run`). With MOCK_ALL_TASKS the worker is
#     built for the same configuration with no task code at all: every task is scripted at run time (--mock FILE).

include_guard(GLOBAL)

# The selinonc to run, and the dependency that re-runs the custom commands when it changes: the in-tree target,
# the imported Selinon::selinonc of an installed package, or else (a standalone checkout) SELINONC_EXECUTABLE.
function(_selinon_selinonc out_command out_depends)
  if(TARGET selinonc)
    set(${out_command} "$<TARGET_FILE:selinonc>" PARENT_SCOPE)
    set(${out_depends} selinonc PARENT_SCOPE)
  elseif(TARGET Selinon::selinonc)
    set(${out_command} "$<TARGET_FILE:Selinon::selinonc>" PARENT_SCOPE)
    set(${out_depends} "$<TARGET_FILE:Selinon::selinonc>" PARENT_SCOPE)
  else()
    find_program(SELINONC_EXECUTABLE selinonc REQUIRED)
    set(${out_command} "${SELINONC_EXECUTABLE}" PARENT_SCOPE)
    set(${out_depends} "${SELINONC_EXECUTABLE}" PARENT_SCOPE)
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
  cmake_parse_arguments(PARSE_ARGV 1 ARG "MOCK_ALL_TASKS;WERROR" "CONFIG;NAMESPACE;PLOT"
                        "FLOWS;INCLUDE_DIRECTORIES;SELINONC_FLAGS")
  if(NOT ARG_CONFIG)
    message(FATAL_ERROR "selinon_add_flows(${name}): CONFIG <nodes.yml> is required")
  endif()
  if(ARG_PLOT AND NOT ARG_PLOT MATCHES "^(dot|svg|png|pdf)$")
    message(FATAL_ERROR "selinon_add_flows(${name}): PLOT must be dot, svg, png or pdf, not '${ARG_PLOT}'")
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
  # -Werror before the user's flags, so that -Wno-error=NAME among them still works.
  set(werror_flag "")
  if(ARG_WERROR)
    set(werror_flag "-Werror")
  endif()
  _selinon_selinonc(selinonc depends)
  # selinonc rewrites a file only when its text changes; the stamp tells the build the step ran, and the generated
  # sources are byproducts so unchanged files do not trigger recompilation.
  add_custom_command(
    OUTPUT "${out}/selinonc.stamp"
    BYPRODUCTS "${out}/all_flows.cpp" "${out}/system.cpp" "${out}/system.hpp" "${out}/worker_main.cpp"
    COMMAND "${selinonc}" compile --color never ${mock_flag} --namespace ${ARG_NAMESPACE} ${werror_flag}
            ${ARG_SELINONC_FLAGS} -o "${out}"
            --depfile "${out}/selinonc.d" --depfile-target "${out}/selinonc.stamp" "${config}" ${flows}
    COMMAND "${CMAKE_COMMAND}" -E touch "${out}/selinonc.stamp"
    DEPENDS "${config}" ${flows} ${depends}
    DEPFILE "${out}/selinonc.d"
    COMMENT "selinonc: compiling flows of ${name}"
    VERBATIM)
  add_custom_target(${name}_selinonc DEPENDS "${out}/selinonc.stamp")
  if(ARG_PLOT)
    # After a successful compile (its stamp also carries the depfile's view of flow directories), so the pictures
    # are redrawn exactly when the configuration changed and a broken configuration reports its errors once.
    set(plots "${CMAKE_CURRENT_BINARY_DIR}/${name}.plots")
    # Every subcommand of selinonc takes the -W switches: plot warns (or not) as compile does.
    set(warning_flags ${werror_flag})
    foreach(flag IN LISTS ARG_SELINONC_FLAGS)
      if(flag MATCHES "^-W")
        list(APPEND warning_flags "${flag}")
      endif()
    endforeach()
    add_custom_command(
      OUTPUT "${plots}/plot.stamp"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${plots}"
      COMMAND "${selinonc}" plot ${warning_flags} "${config}" ${flows} -o "${plots}" --format ${ARG_PLOT}
      COMMAND "${CMAKE_COMMAND}" -E touch "${plots}/plot.stamp"
      DEPENDS "${out}/selinonc.stamp" "${config}" ${flows} ${depends}
      COMMENT "selinonc: drawing flows of ${name} (${ARG_PLOT})"
      VERBATIM)
    add_custom_target(${name}_plot ALL DEPENDS "${plots}/plot.stamp")
    add_dependencies(${name}_plot ${name}_selinonc)
  endif()
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
