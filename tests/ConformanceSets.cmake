# Discovery of the configuration sets under SELINON_CONFORMANCE_DIR, shared by tests/conformance and tests/compile.
# A directory with nodes.y(a)ml is one set (its nodes file plus every other YAML file under it); any other YAML file
# is a single-file set holding both tasks and flow-definitions.
#
#   selinon_foreach_conformance_set(<command>)  calls <command>(<label> <nodes file> [<flow files>...]) per set,
#                                               in a stable order; <label> is the set's path relative to the corpus.
# A macro, so a macro <command> can collect results in the caller's variables.
macro(selinon_foreach_conformance_set command)
  file(GLOB_RECURSE _scs_nodes_files LIST_DIRECTORIES false CONFIGURE_DEPENDS
       "${SELINON_CONFORMANCE_DIR}/*/nodes.yml" "${SELINON_CONFORMANCE_DIR}/*/nodes.yaml")
  file(GLOB_RECURSE _scs_all_yaml LIST_DIRECTORIES false CONFIGURE_DEPENDS
       "${SELINON_CONFORMANCE_DIR}/*.yml" "${SELINON_CONFORMANCE_DIR}/*.yaml")
  list(SORT _scs_nodes_files)
  list(SORT _scs_all_yaml)
  set(_scs_covered "")
  foreach(_scs_nodes IN LISTS _scs_nodes_files)
    get_filename_component(_scs_dir "${_scs_nodes}" DIRECTORY)
    file(GLOB_RECURSE _scs_flows LIST_DIRECTORIES false "${_scs_dir}/*.yml" "${_scs_dir}/*.yaml")
    list(REMOVE_ITEM _scs_flows "${_scs_nodes}")
    list(SORT _scs_flows)
    list(APPEND _scs_covered ${_scs_nodes} ${_scs_flows})
    file(RELATIVE_PATH _scs_label "${SELINON_CONFORMANCE_DIR}" "${_scs_dir}")
    cmake_language(CALL ${command} "${_scs_label}" "${_scs_nodes}" ${_scs_flows})
  endforeach()
  foreach(_scs_file IN LISTS _scs_all_yaml)
    if("${_scs_file}" IN_LIST _scs_covered)
      continue()
    endif()
    file(RELATIVE_PATH _scs_label "${SELINON_CONFORMANCE_DIR}" "${_scs_file}")
    cmake_language(CALL ${command} "${_scs_label}" "${_scs_file}")
  endforeach()
endmacro()
