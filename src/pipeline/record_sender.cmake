# kavro::record_sender: Avro records through the registry to a topic (a serializer and a producer).
# Its own small target beside kavro_pipeline, included from the top-level CMakeLists.txt, so the CLI
# and the demo use the library's sender rather than a private copy.
add_library(kavro_record_sender ${CMAKE_CURRENT_LIST_DIR}/record_sender.cpp)
add_library(kavro::record_sender ALIAS kavro_record_sender)
target_link_libraries(kavro_record_sender PUBLIC kavro::kafka kavro::serde kavro::registry PRIVATE kavro_warnings)
