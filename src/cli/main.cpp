// kavro: the command-line entry point; each subcommand lives in its own file.
#include <iostream>

#include "common.hpp"
#include "kavro/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"kavro: Avro over Kafka with a Confluent-compatible Schema Registry"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("kavro ").append(kavro::version()));
  kavro::cli::add_demo(app);
  kavro::cli::add_registry(app);
  kavro::cli::add_produce(app);
  kavro::cli::add_consume(app);
  kavro::cli::add_dlq(app);
  kavro::cli::add_avro(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a subcommand failed and has said why
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);  // prints the usage message, or the help
    return rc == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::cerr << "kavro: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
