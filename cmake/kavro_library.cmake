# How kavro's libraries are built (static or shared, position-independent, SOVERSION) and the generated
# kavro/version.hpp. Included from the top-level CMakeLists.txt before any target is made.
include(GNUInstallDirs)

# The module CMakeLists name no library type, so BUILD_SHARED_LIBS decides it for each of them.
set(BUILD_SHARED_LIBS ${KAVRO_BUILD_SHARED})
if(KAVRO_BUILD_SHARED)
  # Shared libraries need -fPIC, and so does any static one linked into them. Static builds stay as they
  # were (no -fPIC); -DCMAKE_POSITION_INDEPENDENT_CODE=ON makes static libraries a user can link into a
  # shared library of their own.
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  # Installed executables find the installed libraries next to them, wherever the prefix is moved.
  set(CMAKE_INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
endif()

# Before 1.0 a minor release may break the ABI (semantic versioning puts no promise on 0.x), so the
# soname carries major.minor: libkavro_avro.so.0.1. From 1.0 on it is the major version alone.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(KAVRO_SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
else()
  set(KAVRO_SOVERSION ${PROJECT_VERSION_MAJOR})
endif()

# kavro/version.hpp lives in the build tree (never in the sources) and is installed with the headers;
# kavro::core carries this include directory (top-level CMakeLists.txt).
set(KAVRO_GENERATED_INCLUDE_DIR ${PROJECT_BINARY_DIR}/include)
configure_file(${PROJECT_SOURCE_DIR}/include/kavro/version.hpp.in ${KAVRO_GENERATED_INCLUDE_DIR}/kavro/version.hpp
               @ONLY)
