# kavro_avro_generate(TARGET name SCHEMAS a.avsc [b.avsc...] [NAMESPACE cpp::ns] [HEADER name.hpp])
#
# Runs kavro-gen at build time and makes TARGET an INTERFACE library whose include path holds the
# generated header (default: <TARGET>.hpp, all schemas in one header, so types may be shared).
# Link TARGET and #include "<HEADER>". The header is regenerated when a schema or kavro-gen changes.
function(kavro_avro_generate)
  cmake_parse_arguments(G "" "TARGET;NAMESPACE;HEADER" "SCHEMAS" ${ARGN})
  if(NOT G_TARGET OR NOT G_SCHEMAS)
    message(FATAL_ERROR "kavro_avro_generate: TARGET and SCHEMAS are required")
  endif()
  if(NOT G_NAMESPACE)
    set(G_NAMESPACE kavro::generated)
  endif()
  if(NOT G_HEADER)
    set(G_HEADER ${G_TARGET}.hpp)
  endif()
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/${G_TARGET}_generated)
  set(header ${dir}/${G_HEADER})
  set(abs_schemas "")
  foreach(s ${G_SCHEMAS})
    get_filename_component(a ${s} ABSOLUTE)
    list(APPEND abs_schemas ${a})
  endforeach()
  add_custom_command(
    OUTPUT ${header}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND $<TARGET_FILE:kavro-gen> --namespace ${G_NAMESPACE} --output ${header} ${abs_schemas}
    DEPENDS kavro-gen ${abs_schemas}
    COMMENT "kavro-gen: ${G_HEADER}"
    VERBATIM)
  add_custom_target(${G_TARGET}_codegen DEPENDS ${header})
  add_library(${G_TARGET} INTERFACE)
  add_dependencies(${G_TARGET} ${G_TARGET}_codegen)
  target_include_directories(${G_TARGET} INTERFACE ${dir})
  target_link_libraries(${G_TARGET} INTERFACE kavro::avro)
endfunction()
