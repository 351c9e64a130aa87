// Compiles the runtime's shared precompiled header (see runtime/CMakeLists.txt); holds no code of its own.
