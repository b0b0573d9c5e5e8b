# Installs kavro as a library: one CMake package component per module (kavro::<module> imported targets,
# each finding only its own dependencies), pkg-config files, headers, kavro and kavro-gen.
# Included from the top-level CMakeLists.txt after every target exists.
include(CMakePackageConfigHelpers)

# Every library target, in dependency order. A new module adds its target here; the checks below fail
# the configure step when a link interface names a target of this build that is not in the list.
set(KAVRO_LIBRARY_TARGETS kavro_core kavro_avro kavro_serde kavro_registry kavro_rdkafka_handles
                          kavro_http_transport kavro_protobuf kavro_jsonschema kavro_registry_server kavro_kafka
                          kavro_order_types kavro_pipeline
                          kavro_orders)
# Components a user asks for; the other exported targets are found as dependencies of these.
set(KAVRO_PUBLIC_COMPONENTS core avro serde registry registry_server kafka orders
                             pipeline protobuf jsonschema)

# The external imported targets kavro's link interfaces may name: "target|how the package config finds
# it|pkg-config module ('-' for none; a leading '-' is a raw Libs flag)". A dependency a module adds must
# be listed here, or the configure step says which one is missing.
set(KAVRO_EXTERNAL_DEPENDENCIES
    "tl::expected|find_dependency(tl-expected)|-"
    "nlohmann_json::nlohmann_json|find_dependency(nlohmann_json 3.10)|nlohmann_json"
    "OpenSSL::Crypto|find_dependency(OpenSSL)|libcrypto"
    "OpenSSL::SSL|find_dependency(OpenSSL)|libssl"
    "ZLIB::ZLIB|find_dependency(ZLIB)|zlib"
    "CURL::libcurl|find_dependency(CURL)|libcurl"
    "SQLite::SQLite3|find_dependency(SQLite3)|sqlite3"
    "Threads::Threads|find_dependency(Threads)|-pthread"
    "PkgConfig::RDKAFKA|_kavro_find_pkgconfig(RDKAFKA rdkafka)|rdkafka"
    "PkgConfig::HTTPLIB|_kavro_find_pkgconfig(HTTPLIB cpp-httplib)|cpp-httplib"
    "PkgConfig::PROTOBUF|_kavro_find_pkgconfig(PROTOBUF protobuf)|protobuf"
    "Boost::headers|find_dependency(Boost)|-"
    "Boost::boost|find_dependency(Boost)|-"
    "Boost::system|find_dependency(Boost COMPONENTS system)|-lboost_system"
    "Boost::json|find_dependency(Boost COMPONENTS json)|-lboost_json"
    "spdlog::spdlog|find_dependency(spdlog)|spdlog"
    "spdlog::spdlog_header_only|find_dependency(spdlog)|spdlog"
    "fmt::fmt|find_dependency(fmt)|fmt"
    "fmt::fmt-header-only|find_dependency(fmt)|fmt"
    "valijson|find_dependency(valijson)|-")

# --- Target properties for the build and install trees ------------------------------------------------

foreach(target ${KAVRO_LIBRARY_TARGETS})
  if(NOT TARGET ${target})
    message(FATAL_ERROR "kavro_install: no target ${target}; update KAVRO_LIBRARY_TARGETS in ${CMAKE_CURRENT_LIST_FILE}")
  endif()
  string(REGEX REPLACE "^kavro_" "" module ${target})
  get_target_property(type ${target} TYPE)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${module})
  if(NOT type STREQUAL "INTERFACE_LIBRARY")
    set_target_properties(${target} PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION ${KAVRO_SOVERSION})
  endif()

  # Include directories in the source or build tree hold only in this build; the installed targets get
  # <prefix>/include from install(TARGETS ... INCLUDES DESTINATION).
  get_target_property(dirs ${target} INTERFACE_INCLUDE_DIRECTORIES)
  if(dirs)
    set(wrapped "")
    foreach(dir ${dirs})
      if(dir MATCHES "^\\$<")
        list(APPEND wrapped "${dir}")
      else()
        list(APPEND wrapped "$<BUILD_INTERFACE:${dir}>")
      endif()
    endforeach()
    set_property(TARGET ${target} PROPERTY INTERFACE_INCLUDE_DIRECTORIES "${wrapped}")
  endif()

  # A static library's private dependencies stay in its link interface as $<LINK_ONLY:...>, since its
  # users link them. kavro_warnings carries compile options only, so dropping it changes no link and keeps
  # a build-only target out of the package.
  get_target_property(links ${target} INTERFACE_LINK_LIBRARIES)
  if(links)
    list(REMOVE_ITEM links "$<LINK_ONLY:kavro_warnings>" kavro_warnings)
    set_property(TARGET ${target} PROPERTY INTERFACE_LINK_LIBRARIES "${links}")
  endif()
endforeach()

# The install rules below need the generated Order header's path.
get_target_property(KAVRO_ORDER_TYPES_HEADER kavro_order_types KAVRO_GENERATED_HEADER)

# --- The dependency map: which components and external packages each module's link interface needs -----

# _kavro_module_of(<target name as linked> <out>): the kavro module a name refers to, or "" if none.
function(_kavro_module_of name out)
  set(result "")
  if(TARGET ${name})
    get_target_property(real ${name} ALIASED_TARGET)
    if(NOT real)
      set(real ${name})
    endif()
    if(real IN_LIST KAVRO_LIBRARY_TARGETS)
      string(REGEX REPLACE "^kavro_" "" result ${real})
    endif()
  endif()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

set(KAVRO_DEPENDENCY_MAP "")  # written to <build>/kavro-dependency-map.txt, to review what each component finds
foreach(target ${KAVRO_LIBRARY_TARGETS})
  string(REGEX REPLACE "^kavro_" "" module ${target})
  set(components "")
  set(finds "")
  set(pc_requires "")
  set(pc_requires_private "")
  set(pc_libs "")
  set(pc_libs_private "")
  get_target_property(links ${target} INTERFACE_LINK_LIBRARIES)
  if(NOT links)
    set(links "")
  endif()
  # A shared library's private dependencies are not in its link interface, so CMake users need not find
  # them; pkg-config still lists them in Requires.private. They are marked "PC_ONLY:".
  get_target_property(type ${target} TYPE)
  if(NOT type STREQUAL "INTERFACE_LIBRARY")
    get_target_property(own_links ${target} LINK_LIBRARIES)
    foreach(item ${own_links})
      if(NOT item STREQUAL "kavro_warnings" AND NOT item MATCHES "^\\$<" AND NOT item IN_LIST links
         AND NOT "$<LINK_ONLY:${item}>" IN_LIST links)
        list(APPEND links "PC_ONLY:${item}")
      endif()
    endforeach()
  endif()
  foreach(item ${links})
    set(private OFF)
    set(pc_only OFF)
    if(item MATCHES "^PC_ONLY:(.+)$")
      set(item ${CMAKE_MATCH_1})
      set(private ON)
      set(pc_only ON)
    elseif(item MATCHES "^\\$<LINK_ONLY:(.+)>$")
      set(item ${CMAKE_MATCH_1})
      set(private ON)
    elseif(item MATCHES "^\\$<BUILD_INTERFACE:")
      continue()
    elseif(item MATCHES "^\\$<")
      message(FATAL_ERROR "kavro_install: ${target} links '${item}'; teach ${CMAKE_CURRENT_LIST_FILE} that expression")
    endif()
    _kavro_module_of(${item} dep_module)
    if(dep_module)
      if(NOT pc_only)
        list(APPEND components ${dep_module})
      endif()
      if(private)
        list(APPEND pc_requires_private kavro-${dep_module})
      else()
        list(APPEND pc_requires kavro-${dep_module})
      endif()
      continue()
    endif()
    # Imported targets found in a module's own directory are not visible here, so a name with '::' counts
    # as an imported target whether or not this scope sees it.
    set(imported OFF)
    if(TARGET ${item})
      get_target_property(imported ${item} IMPORTED)
      if(NOT imported)
        message(FATAL_ERROR "kavro_install: ${target} links ${item}, a target of this build that is not installed; "
                            "add it to KAVRO_LIBRARY_TARGETS or link it with $<BUILD_INTERFACE:...>")
      endif()
    elseif(item MATCHES "::")
      set(imported ON)
    endif()
    if(imported)
      set(known "")
      foreach(entry ${KAVRO_EXTERNAL_DEPENDENCIES})
        string(REPLACE "|" ";" fields "${entry}")
        list(GET fields 0 name)
        if(name STREQUAL item)
          set(known "${fields}")
        endif()
      endforeach()
      if(NOT known)
        message(FATAL_ERROR "kavro_install: ${target} links ${item}; add how to find it to KAVRO_EXTERNAL_DEPENDENCIES "
                            "in ${CMAKE_CURRENT_LIST_FILE}")
      endif()
      list(GET known 1 find)
      list(GET known 2 pc)
      if(NOT pc_only)
        list(APPEND finds "${find}")
      endif()
      if(pc MATCHES "^-.")
        if(private)
          list(APPEND pc_libs_private "${pc}")
        else()
          list(APPEND pc_libs "${pc}")
        endif()
      elseif(NOT pc STREQUAL "-")
        if(private)
          list(APPEND pc_requires_private ${pc})
        else()
          list(APPEND pc_requires ${pc})
        endif()
      endif()
    elseif(private)
      list(APPEND pc_libs_private "${item}")  # a raw flag or library name
    else()
      list(APPEND pc_libs "${item}")
    endif()
  endforeach()
  foreach(v components finds pc_requires pc_requires_private pc_libs pc_libs_private)
    list(REMOVE_DUPLICATES ${v})
  endforeach()
  if(pc_requires)
    list(REMOVE_ITEM pc_requires_private ${pc_requires})
  endif()
  set(KAVRO_COMPONENT_${module}_COMPONENTS "${components}")
  set(KAVRO_COMPONENT_${module}_FINDS "${finds}")
  foreach(v pc_requires pc_requires_private pc_libs pc_libs_private)
    set(KAVRO_COMPONENT_${module}_${v} "${${v}}")
  endforeach()
  string(REPLACE ";" ", " shown_components "${components}")
  string(REPLACE ";" ", " shown_finds "${finds}")
  string(APPEND KAVRO_DEPENDENCY_MAP "  ${module}: components [${shown_components}] finds [${shown_finds}]\n")
endforeach()
file(WRITE ${PROJECT_BINARY_DIR}/kavro-dependency-map.txt "${KAVRO_DEPENDENCY_MAP}")

if(NOT KAVRO_INSTALL)
  return()
endif()

# --- Install rules -----------------------------------------------------------------------------------

set(KAVRO_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/kavro)
set(KAVRO_INSTALL_PKGCONFIGDIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/kavro DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT kavro_development FILES_MATCHING PATTERN "*.hpp")
install(FILES ${KAVRO_GENERATED_INCLUDE_DIR}/kavro/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kavro
        COMPONENT kavro_development)
# kavro/orders/order.hpp includes "kavro_order_types.hpp", which a quoted include finds beside it.
install(FILES ${KAVRO_ORDER_TYPES_HEADER} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kavro/orders
        COMPONENT kavro_development)

foreach(target ${KAVRO_LIBRARY_TARGETS})
  string(REGEX REPLACE "^kavro_" "" module ${target})
  install(TARGETS ${target} EXPORT kavro-${module}-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT kavro_development
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT kavro_runtime NAMELINK_COMPONENT kavro_development
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT kavro_runtime
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT kavro-${module}-targets NAMESPACE kavro:: DESTINATION ${KAVRO_INSTALL_CMAKEDIR}
          COMPONENT kavro_development)
  # The same package in the build tree (-Dkavro_DIR=<build>), for a user who does not install.
  export(EXPORT kavro-${module}-targets NAMESPACE kavro:: FILE ${PROJECT_BINARY_DIR}/kavro-${module}-targets.cmake)
endforeach()

set_target_properties(kavro-gen PROPERTIES EXPORT_NAME kavro-gen)
install(TARGETS kavro-gen EXPORT kavro-gen-targets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT kavro_runtime)
install(EXPORT kavro-gen-targets NAMESPACE kavro:: DESTINATION ${KAVRO_INSTALL_CMAKEDIR} COMPONENT kavro_development)
export(EXPORT kavro-gen-targets NAMESPACE kavro:: FILE ${PROJECT_BINARY_DIR}/kavro-gen-targets.cmake)
configure_file(${PROJECT_SOURCE_DIR}/cmake/kavro_gen.cmake ${PROJECT_BINARY_DIR}/kavro_gen.cmake COPYONLY)
install(TARGETS kavro RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT kavro_runtime)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/kavro COMPONENT kavro_runtime)

# Operating files (packaging/): the man page and bash completion generated from `kavro --help`
# (packaging/gen-cli-docs.py; a test keeps them in sync), systemd units with the installed binary's path,
# and the example configuration they read.
set(KAVRO_INSTALL_SYSTEMDUNITDIR "lib/systemd/system" CACHE STRING "Where the systemd units go, under the prefix")
foreach(unit kavro-registry kavro-consume)
  # Configured when installing, so ExecStart names the binary under the prefix actually installed to
  # (`cmake --install --prefix` included).
  if(IS_ABSOLUTE "${CMAKE_INSTALL_BINDIR}")
    set(bindir "${CMAKE_INSTALL_BINDIR}")
  else()
    set(bindir "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}")
  endif()
  install(CODE "set(KAVRO_INSTALL_FULL_BINDIR \"${bindir}\")
configure_file(\"${PROJECT_SOURCE_DIR}/packaging/systemd/${unit}.service.in\"
               \"${PROJECT_BINARY_DIR}/packaging/${unit}.service\" @ONLY)" COMPONENT kavro_runtime)
  install(FILES ${PROJECT_BINARY_DIR}/packaging/${unit}.service DESTINATION ${KAVRO_INSTALL_SYSTEMDUNITDIR}
          COMPONENT kavro_runtime)
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/packaging/man/kavro.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT kavro_runtime)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/completion/kavro.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME kavro COMPONENT kavro_runtime)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/schema-registry.properties ${PROJECT_SOURCE_DIR}/packaging/systemd/registry.env
              ${PROJECT_SOURCE_DIR}/packaging/systemd/consume.env
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/kavro/examples COMPONENT kavro_runtime)

# One file per component: the components it needs, its external packages, its targets.
foreach(target ${KAVRO_LIBRARY_TARGETS})
  string(REGEX REPLACE "^kavro_" "" module ${target})
  set(text "# kavro component '${module}', generated by cmake/kavro_install.cmake.\n")
  foreach(component ${KAVRO_COMPONENT_${module}_COMPONENTS})
    string(APPEND text "_kavro_load_component(${component})\n")
  endforeach()
  foreach(find ${KAVRO_COMPONENT_${module}_FINDS})
    string(APPEND text "${find}\n")
  endforeach()
  string(APPEND text "include(\${CMAKE_CURRENT_LIST_DIR}/kavro-${module}-targets.cmake)\n")
  if(module STREQUAL "avro")
    # kavro-gen and kavro_avro_generate() come with the avro component, whose headers generated code uses.
    string(APPEND text "include(\${CMAKE_CURRENT_LIST_DIR}/kavro-gen-targets.cmake)\n")
    string(APPEND text "include(\${CMAKE_CURRENT_LIST_DIR}/kavro_gen.cmake)\n")
  endif()
  file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/kavro-${module}-component.cmake CONTENT "${text}")
  install(FILES ${PROJECT_BINARY_DIR}/kavro-${module}-component.cmake DESTINATION ${KAVRO_INSTALL_CMAKEDIR}
          COMPONENT kavro_development)
endforeach()

if(KAVRO_BUILD_SHARED)
  set(KAVRO_LIBRARY_TYPE SHARED)
else()
  set(KAVRO_LIBRARY_TYPE STATIC)
endif()
string(REPLACE ";" " " KAVRO_PUBLIC_COMPONENTS_SPACED "${KAVRO_PUBLIC_COMPONENTS}")
string(REPLACE ";" " " KAVRO_LIBRARY_MODULES_SPACED "${KAVRO_LIBRARY_TARGETS}")
string(REPLACE "kavro_" "" KAVRO_LIBRARY_MODULES_SPACED "${KAVRO_LIBRARY_MODULES_SPACED}")
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kavroConfig.cmake.in ${PROJECT_BINARY_DIR}/kavroConfig.cmake
                              INSTALL_DESTINATION ${KAVRO_INSTALL_CMAKEDIR})
# Before 1.0 a minor release may break compatibility, so 0.1 accepts only 0.1.x; from 1.0, same major.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(compatibility SameMinorVersion)
else()
  set(compatibility SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kavroConfigVersion.cmake COMPATIBILITY ${compatibility})
install(FILES ${PROJECT_BINARY_DIR}/kavroConfig.cmake ${PROJECT_BINARY_DIR}/kavroConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/kavro_gen.cmake
        DESTINATION ${KAVRO_INSTALL_CMAKEDIR} COMPONENT kavro_development)

# --- pkg-config: kavro-<module>.pc per public module, and kavro.pc for all of them -----------------------

# The prefix is found from the .pc file's own place, so `cmake --install --prefix` anywhere works.
file(RELATIVE_PATH KAVRO_PC_TO_PREFIX /prefix/${KAVRO_INSTALL_PKGCONFIGDIR} /prefix)
string(REGEX REPLACE "/$" "" KAVRO_PC_TO_PREFIX "${KAVRO_PC_TO_PREFIX}")
foreach(module ${KAVRO_PUBLIC_COMPONENTS} all)
  string(REPLACE "_" "-" name "kavro-${module}")
  if(module STREQUAL "all")
    set(name kavro)
    set(description "kavro: Avro over Kafka with a Confluent-compatible Schema Registry (every module)")
    string(REPLACE ";" ", kavro-" requires "kavro-${KAVRO_PUBLIC_COMPONENTS}")
    string(REPLACE "_" "-" requires "${requires}")
    set(requires_private "")
    set(libs "")
    set(libs_private "")
  else()
    set(description "kavro's ${module} module")
    # Internal targets (rdkafka_handles, order_types) have no .pc: their requirements move up a level.
    set(requires "")
    set(requires_private "")
    set(libs "-lkavro_${module}")
    set(libs_private "")
    # Entries are "module|PUBLIC" or "module|PRIVATE": what a privately linked internal target needs is
    # private to this module too.
    set(pending "${module}|PUBLIC")
    set(first ON)
    while(pending)
      list(POP_FRONT pending entry)
      string(REPLACE "|" ";" entry "${entry}")
      list(GET entry 0 m)
      list(GET entry 1 reach)
      foreach(kind pc_requires pc_requires_private)
        set(scope ${reach})
        if(kind STREQUAL "pc_requires_private")
          set(scope PRIVATE)
        endif()
        foreach(r ${KAVRO_COMPONENT_${m}_${kind}})
          if(r MATCHES "^kavro-(.+)$" AND NOT CMAKE_MATCH_1 IN_LIST KAVRO_PUBLIC_COMPONENTS)
            list(APPEND pending "${CMAKE_MATCH_1}|${scope}")
          elseif(r MATCHES "^kavro-(.+)$")
            string(REPLACE "_" "-" r "${r}")
          endif()
          if(r MATCHES "^kavro-(.+)$" AND NOT CMAKE_MATCH_1 IN_LIST KAVRO_PUBLIC_COMPONENTS)
            # an internal module: its requirements were queued above
          elseif(scope STREQUAL "PUBLIC")
            list(APPEND requires ${r})
          else()
            list(APPEND requires_private ${r})
          endif()
        endforeach()
      endforeach()
      if(reach STREQUAL "PUBLIC")
        list(APPEND libs ${KAVRO_COMPONENT_${m}_pc_libs})
      else()
        list(APPEND libs_private ${KAVRO_COMPONENT_${m}_pc_libs})
      endif()
      list(APPEND libs_private ${KAVRO_COMPONENT_${m}_pc_libs_private})
      get_target_property(type kavro_${m} TYPE)
      if(NOT first AND NOT type STREQUAL "INTERFACE_LIBRARY")
        list(APPEND libs_private -lkavro_${m})
      endif()
      set(first OFF)
    endwhile()
    foreach(v requires requires_private libs libs_private)
      list(REMOVE_DUPLICATES ${v})
    endforeach()
    if(requires)
      list(REMOVE_ITEM requires_private ${requires})
    endif()
    string(REPLACE ";" ", " requires "${requires}")
    string(REPLACE ";" ", " requires_private "${requires_private}")
  endif()
  string(REPLACE ";" " " libs "${libs}")
  string(REPLACE ";" " " libs_private "${libs_private}")
  set(pc "prefix=\${pcfiledir}/${KAVRO_PC_TO_PREFIX}\n")
  string(APPEND pc "libdir=\${prefix}/${CMAKE_INSTALL_LIBDIR}\nincludedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}\n\n")
  string(APPEND pc "Name: ${name}\nDescription: ${description}\nVersion: ${PROJECT_VERSION}\n")
  if(requires)
    string(APPEND pc "Requires: ${requires}\n")
  endif()
  if(requires_private)
    string(APPEND pc "Requires.private: ${requires_private}\n")
  endif()
  if(libs)
    string(APPEND pc "Libs: -L\${libdir} ${libs}\n")
  endif()
  if(libs_private)
    string(APPEND pc "Libs.private: ${libs_private}\n")
  endif()
  string(APPEND pc "Cflags: -I\${includedir}\n")
  file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc CONTENT "${pc}")
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc DESTINATION ${KAVRO_INSTALL_PKGCONFIGDIR}
          COMPONENT kavro_development)
endforeach()
