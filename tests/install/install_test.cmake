# Run by ctest (tests/install/CMakeLists.txt): installs kavro into WORK_DIR/prefix and builds against it
# examples/avro_only (find_package(kavro COMPONENTS avro) with every non-Avro dependency made unfindable),
# examples/orders (the Kafka, registry and SQLite components), and avro_only again through pkg-config.
cmake_minimum_required(VERSION 3.25)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\n--- stdout\n${out}\n--- stderr\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

function(expect_equal what actual expected)
  if(NOT actual STREQUAL expected)
    message(FATAL_ERROR "${what}:\n--- expected\n${expected}\n--- got\n${actual}")
  endif()
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

run("cmake --install" ${CMAKE_COMMAND} --install ${KAVRO_BUILD_DIR} --prefix ${prefix})
foreach(f include/kavro/version.hpp include/kavro/avro/codec.hpp include/kavro/orders/kavro_order_types.hpp
          lib/cmake/kavro/kavroConfig.cmake lib/cmake/kavro/kavroConfigVersion.cmake lib/cmake/kavro/kavro_gen.cmake
          lib/pkgconfig/kavro.pc lib/pkgconfig/kavro-avro.pc bin/kavro bin/kavro-gen share/doc/kavro/LICENSE)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "cmake --install did not install ${f}")
  endif()
endforeach()
# Nothing of the build or source tree may leak into the installed package.
file(GLOB package_files ${prefix}/lib/cmake/kavro/*.cmake ${prefix}/lib/pkgconfig/*.pc)
foreach(f ${package_files})
  file(READ ${f} text)
  foreach(tree ${KAVRO_BUILD_DIR} ${KAVRO_SOURCE_DIR})
    string(FIND "${text}" "${tree}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "${f} names ${tree}")
    endif()
  endforeach()
endforeach()

# Every installed header compiles on its own include path: none of them needs a header left uninstalled.
file(GLOB_RECURSE headers RELATIVE ${prefix}/include ${prefix}/include/kavro/*.hpp)
set(all_headers "")
foreach(h ${headers})
  string(APPEND all_headers "#include <${h}>\n")
endforeach()
file(WRITE ${WORK_DIR}/all_headers.cpp "${all_headers}")
run("compile every installed header" ${CXX_COMPILER} -std=c++20 -fsyntax-only -Wall -Wextra -Werror
    -I${prefix}/include ${WORK_DIR}/all_headers.cpp)

run("kavro --version" ${prefix}/bin/kavro --version)
expect_equal("installed kavro --version" "${run_output}" "kavro ${KAVRO_VERSION}\n")

file(READ ${KAVRO_SOURCE_DIR}/examples/avro_only/expected_output.txt expected)
string(REPLACE "@KAVRO_VERSION@" "${KAVRO_VERSION}" expected "${expected}")

set(common -G ${GENERATOR} -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
           -DCMAKE_BUILD_TYPE=${BUILD_TYPE} "-DCMAKE_CXX_FLAGS=${EXTRA_FLAGS}"
           "-DCMAKE_EXE_LINKER_FLAGS=${EXTRA_FLAGS}")
if(CXX_LAUNCHER)
  list(APPEND common -DCMAKE_CXX_COMPILER_LAUNCHER=${CXX_LAUNCHER})
endif()

# The avro component alone: if it tried to find librdkafka or cpp-httplib (pkg-config, here with no
# modules at all), curl, SQLite or Boost, the configure step would fail here. (FindOpenSSL asks
# pkg-config too, and falls back to searching by itself.)
file(MAKE_DIRECTORY ${WORK_DIR}/no-pkg-config-modules)
run("configure examples/avro_only" ${CMAKE_COMMAND} -E env PKG_CONFIG_LIBDIR=${WORK_DIR}/no-pkg-config-modules
    --unset=PKG_CONFIG_PATH ${CMAKE_COMMAND} -S ${KAVRO_SOURCE_DIR}/examples/avro_only -B ${WORK_DIR}/avro_only
    ${common} -DCMAKE_DISABLE_FIND_PACKAGE_CURL=ON -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON
    -DCMAKE_DISABLE_FIND_PACKAGE_Boost=ON)
file(STRINGS ${WORK_DIR}/avro_only/CMakeCache.txt kavro_dir REGEX "^kavro_DIR:")
expect_equal("kavro_DIR of examples/avro_only" "${kavro_dir}" "kavro_DIR:PATH=${prefix}/lib/cmake/kavro")
run("build examples/avro_only" ${CMAKE_COMMAND} --build ${WORK_DIR}/avro_only)
run("examples/avro_only" ${WORK_DIR}/avro_only/avro_only)
expect_equal("output of avro_only built with find_package" "${run_output}" "${expected}")

# Every component: the Kafka, registry and SQLite dependencies found again through the package.
run("configure examples/orders" ${CMAKE_COMMAND} -S ${KAVRO_SOURCE_DIR}/examples/orders -B ${WORK_DIR}/orders ${common})
run("build examples/orders" ${CMAKE_COMMAND} --build ${WORK_DIR}/orders)

# An unknown component is refused by name.
file(WRITE ${WORK_DIR}/unknown/CMakeLists.txt
     "cmake_minimum_required(VERSION 3.25)\nproject(unknown LANGUAGES NONE)\nfind_package(kavro REQUIRED COMPONENTS avro nosuch)\n")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK_DIR}/unknown -B ${WORK_DIR}/unknown/build -DCMAKE_PREFIX_PATH=${prefix}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(FIND "${err}" "kavro has no component 'nosuch'" at)
if(rc EQUAL 0 OR at EQUAL -1)
  message(FATAL_ERROR "find_package(kavro COMPONENTS nosuch) was not refused by name (exit ${rc}):\n${err}")
endif()

# pkg-config: kavro-gen by hand, then one compiler call with the flags kavro-avro.pc gives. kavro's
# libraries are static unless built shared, so their private dependencies come with --static.
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
set(static_arg "")
if(STATIC)
  set(static_arg --static)
endif()
run("pkg-config kavro-avro" ${PKG_CONFIG} ${static_arg} --cflags --libs kavro-avro)
string(STRIP "${run_output}" pc_flags)
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(extra UNIX_COMMAND "${EXTRA_FLAGS}")
file(MAKE_DIRECTORY ${WORK_DIR}/pkg_config)
run("kavro-gen" ${prefix}/bin/kavro-gen --namespace example --output ${WORK_DIR}/pkg_config/reading.hpp
    ${KAVRO_SOURCE_DIR}/examples/avro_only/reading.avsc)
run("compile avro_only with pkg-config" ${CXX_LAUNCHER} ${CXX_COMPILER} -std=c++20 ${extra} -I${WORK_DIR}/pkg_config
    ${KAVRO_SOURCE_DIR}/examples/avro_only/main.cpp -o ${WORK_DIR}/pkg_config/avro_only ${pc_flags}
    "-Wl,-rpath,${prefix}/lib")
run("examples/avro_only (pkg-config)" ${WORK_DIR}/pkg_config/avro_only)
expect_equal("output of avro_only built with pkg-config" "${run_output}" "${expected}")
message(STATUS "installed into ${prefix}; examples built with find_package and pkg-config")
