# Package file for find_package(Selinon): the runtime target Selinon::runtime and the selinon_* CMake functions.
include(CMakeFindDependencyMacro)
find_dependency(nlohmann_json 3)
find_dependency(yaml-cpp)
find_dependency(Threads)
include("${CMAKE_CURRENT_LIST_DIR}/SelinonTargets.cmake" OPTIONAL)
include("${CMAKE_CURRENT_LIST_DIR}/SelinonFlows.cmake")
