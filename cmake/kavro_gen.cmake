# kavro_avro_generate(TARGET name SCHEMAS a.avsc [b.avsc...] [NAMESPACE cpp::ns] [HEADER name.hpp])
#
# Runs kavro-gen at build time and makes TARGET an INTERFACE library whose include path holds the
# generated header (default: <TARGET>.hpp, all schemas in one header, so types may be shared).
# Link TARGET and #include "<HEADER>". The header is regenerated when a schema or kavro-gen changes.
# Works in kavro's own build (the kavro-gen target) and from the installed package (kavro::kavro-gen,
# which find_package(kavro COMPONENTS avro) imports).
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
  if(TARGET kavro-gen)
    set(generator kavro-gen)
    set(generator_dependency kavro-gen)
  elseif(TARGET kavro::kavro-gen)
    set(generator kavro::kavro-gen)
    set(generator_dependency $<TARGET_FILE:kavro::kavro-gen>)
  else()
    message(FATAL_ERROR "kavro_avro_generate: no kavro-gen; use find_package(kavro COMPONENTS avro) first")
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
    COMMAND $<TARGET_FILE:${generator}> --namespace ${G_NAMESPACE} --output ${header} ${abs_schemas}
    DEPENDS ${generator_dependency} ${abs_schemas}
    COMMENT "kavro-gen: ${G_HEADER}"
    VERBATIM)
  add_custom_target(${G_TARGET}_codegen DEPENDS ${header})
  add_library(${G_TARGET} INTERFACE)
  add_dependencies(${G_TARGET} ${G_TARGET}_codegen)
  target_include_directories(${G_TARGET} INTERFACE $<BUILD_INTERFACE:${dir}>)
  set_property(TARGET ${G_TARGET} PROPERTY KAVRO_GENERATED_HEADER ${header})
  target_link_libraries(${G_TARGET} INTERFACE kavro::avro)
endfunction()
