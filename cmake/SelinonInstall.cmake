# Install rules of the Selinon package: selinonc, the runtime libraries and headers, the CMake package files
# (find_package(Selinon) with Selinon::runtime, Selinon::selinonc, selinon_add_flows) and selinon.pc.
# Included from the top CMakeLists.txt after compiler/ and runtime/ have defined their targets.
#
# The C++ templates are not installed: selinonc embeds them at build time (compiler/emit/embed_templates.cmake).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SELINON_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/Selinon" CACHE STRING
    "Where the Selinon CMake package files are installed (relative to the prefix)")

# Users see the short names under the Selinon:: namespace.
set_target_properties(selinon_runtime PROPERTIES EXPORT_NAME runtime)
foreach(lib IN LISTS SELINON_RUNTIME_LIBRARIES)
  string(REGEX REPLACE "^selinon_" "" short "${lib}")
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${short})
endforeach()

# A sanitized build installs instrumented static libraries: whoever links them needs the sanitizer runtimes too.
if(SELINON_SANITIZE OR SELINON_FUZZ)
  target_link_options(selinon_runtime INTERFACE $<INSTALL_INTERFACE:-fsanitize=address,undefined>)
endif()

install(TARGETS selinonc selinon_runtime ${SELINON_RUNTIME_LIBRARIES}
  EXPORT SelinonTargets
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/runtime/include/selinon" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

install(EXPORT SelinonTargets NAMESPACE Selinon:: DESTINATION "${SELINON_INSTALL_CMAKEDIR}")
# 0.x: a minor version may change the generated code's contract with the runtime.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/SelinonConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_SOURCE_DIR}/cmake/SelinonConfig.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/SelinonFlows.cmake"
  "${PROJECT_BINARY_DIR}/SelinonConfigVersion.cmake"
  DESTINATION "${SELINON_INSTALL_CMAKEDIR}")

# selinon.pc names the prefix relative to its own directory, so `cmake --install --prefix P` relocates it.
set(SELINON_PKGCONFIG_DIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${SELINON_PKGCONFIG_DIR}")
  set(SELINON_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  string(REGEX REPLACE "[^/]+" ".." up "${SELINON_PKGCONFIG_DIR}")
  set(SELINON_PC_PREFIX "\${pcfiledir}/${up}")
endif()
foreach(kind LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${kind}}")
    set(SELINON_PC_${kind} "${CMAKE_INSTALL_${kind}}")
  else()
    set(SELINON_PC_${kind} "\${prefix}/${CMAKE_INSTALL_${kind}}")
  endif()
endforeach()
# In link order: each library before the ones it uses.
list(TRANSFORM SELINON_RUNTIME_LIBRARIES PREPEND "-l" OUTPUT_VARIABLE SELINON_PC_LIBS)
list(JOIN SELINON_PC_LIBS " " SELINON_PC_LIBS)
configure_file("${PROJECT_SOURCE_DIR}/cmake/selinon.pc.in" "${PROJECT_BINARY_DIR}/selinon.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/selinon.pc" DESTINATION "${SELINON_PKGCONFIG_DIR}")
