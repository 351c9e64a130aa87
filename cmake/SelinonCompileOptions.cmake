# Warning and sanitizer flags shared by every target of this project (not exported to users).
add_library(selinon_compile_options INTERFACE)
target_compile_options(selinon_compile_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
# GCC 12 warns -Wrestrict inside <string> for `"literal" + std::string&&` when optimising: a false positive (GCC bug
# 105329, "accessing 9223372036854775810 or more bytes") that fired on every fresh Release build.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
   AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(selinon_compile_options INTERFACE -Wno-restrict)
endif()
if(SELINON_WERROR)
  target_compile_options(selinon_compile_options INTERFACE -Werror)
endif()
if(SELINON_SANITIZE)
  target_compile_options(selinon_compile_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                         -fno-sanitize-recover=undefined)
  target_link_options(selinon_compile_options INTERFACE -fsanitize=address,undefined)
endif()
if(SELINON_FUZZ)
  # Instrument our own code for coverage so libFuzzer can steer; the fuzz target adds the fuzzer main.
  target_compile_options(selinon_compile_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined)
  target_link_options(selinon_compile_options INTERFACE -fsanitize=address,undefined)
endif()
