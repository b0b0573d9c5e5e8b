// kavro: the command-line entry point; each subcommand lives in its own file.
#include <algorithm>
#include <iostream>
#include <string_view>
#include <vector>

#include "common.hpp"
#include "kavro/log.hpp"
#include "kavro/version.hpp"

namespace {

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours
// ("prodcue") each cost one.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// After a parse error: the first word that is not a subcommand where one was expected, and the
// closest subcommand name, e.g. "kavro: 'prodcue' is not a kavro command; did you mean 'produce'?".
// False when there is nothing close to suggest.
bool suggest_subcommand(CLI::App& app, int argc, char** argv) {
  CLI::App* cur = &app;
  std::string path = app.get_name();
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word.empty() || word[0] == '-') continue;
    const auto subs = cur->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) return false;
    auto match =
        std::find_if(subs.begin(), subs.end(), [&](CLI::App* s) { return s->check_name(std::string(word)); });
    if (match != subs.end()) {
      cur = *match;
      path += " " + cur->get_name();
      continue;
    }
    const CLI::App* best = nullptr;
    std::size_t best_distance = 0;
    for (const auto* s : subs) {
      const std::size_t dist = edit_distance(word, s->get_name());
      if (!best || dist < best_distance) {
        best = s;
        best_distance = dist;
      }
    }
    const bool prefix = best && (best->get_name().starts_with(word) || word.starts_with(best->get_name()));
    if (best &&
        (best_distance <= std::max<std::size_t>(1, word.size() / 3) || (prefix && word.size() >= 3))) {
      std::cerr << path << ": '" << word << "' is not a " << path << " command; did you mean '"
                << best->get_name() << "'?\nRun `" << path << " --help` for the list.\n";
      return true;
    }
    return false;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  // Named, so usage lines say `kavro` and not the binary's path.
  CLI::App app{"kavro: Avro over Kafka with a Confluent-compatible Schema Registry", "kavro"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("kavro ").append(kavro::version()));
  // kavro's logger, for every subcommand: flags before the subcommand (`kavro --log-level debug
  // registry serve`), or the environment, which also reaches a service started by systemd or compose.
  app.add_option_function<std::string>(
         "--log-level", [](const std::string& v) {
           if (auto l = kavro::log::parse_level(v)) kavro::log::set_level(*l);
         },
         "Least severe log events shown: trace, debug, info (default), warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "warning", "error", "off"}, CLI::ignore_case))
      ->envname("KAVRO_LOG_LEVEL")
      ->trigger_on_parse();
  app.add_option_function<std::string>(
         "--log-format", [](const std::string& v) {
           if (auto f = kavro::log::parse_format(v)) kavro::log::set_format(*f);
         },
         "Log lines as text (default) or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}))
      ->envname("KAVRO_LOG_FORMAT")
      ->trigger_on_parse();
  kavro::cli::add_demo(app);
  kavro::cli::add_registry(app);
  kavro::cli::add_schema(app);
  kavro::cli::add_produce(app);
  kavro::cli::add_consume(app);
  kavro::cli::add_dlq(app);
  kavro::cli::add_avro(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a subcommand failed and has said why
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0 && suggest_subcommand(app, argc, argv)) return 2;
    const int rc = app.exit(e);  // prints the usage message, or the help
    return rc == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::cerr << "kavro: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
