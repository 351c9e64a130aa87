# Package file for find_package(Selinon): Selinon::runtime, Selinon::selinonc and the selinon_* CMake functions.
include(CMakeFindDependencyMacro)
find_dependency(nlohmann_json 3)
find_dependency(Threads)
# The runtime libraries are static, so their private dependencies are linked by the consumer.
find_dependency(yaml-cpp)
find_dependency(fmt)
find_dependency(CLI11)
find_dependency(CURL 7.87)
find_dependency(SQLite3)
find_dependency(PkgConfig)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
include("${CMAKE_CURRENT_LIST_DIR}/SelinonTargets.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/SelinonFlows.cmake")
