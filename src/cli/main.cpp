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

// The closest of `names` to `word`, when close enough to be a likely typo; null otherwise.
const std::string* closest(std::string_view word, const std::vector<std::string>& names) {
  const std::string* best = nullptr;
  std::size_t best_distance = 0;
  for (const auto& name : names) {
    const std::size_t dist = edit_distance(word, name);
    if (!best || dist < best_distance) {
      best = &name;
      best_distance = dist;
    }
  }
  if (!best) return nullptr;
  const bool prefix = best->starts_with(word) || word.starts_with(*best);
  const bool near = best_distance <= std::max<std::size_t>(1, word.size() / 3);
  return near || (prefix && word.size() >= 3) ? best : nullptr;
}

// After a parse error: the first word that is not a subcommand where one was expected, or not an
// option of the command it was given to, and the closest name, e.g. "kavro: 'prodcue' is not a kavro
// command; did you mean 'produce'?" or "kavro produce: no option '--cuont'; did you mean '--count'?".
// False when there is nothing close to suggest.
bool suggest_correction(CLI::App& app, int argc, char** argv) {
  CLI::App* cur = &app;
  std::string path = app.get_name();
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--") return false;
    if (word.starts_with("--") && word.size() > 2) {
      const std::string name(word.substr(
          2, word.find('=') == std::string_view::npos ? std::string_view::npos : word.find('=') - 2));
      bool known = false;
      std::vector<std::string> longs;
      for (const CLI::App* scope = cur; scope != nullptr && !known; scope = scope->get_parent()) {
        for (const auto* opt : scope->get_options()) {
          for (const auto& l : opt->get_lnames()) {
            if (l == name) known = true;
            if (scope == cur) longs.push_back(l);
          }
        }
      }
      if (known) continue;
      if (const auto* best = closest(name, longs)) {
        std::cerr << path << ": no option '--" << name << "'; did you mean '--" << *best << "'?\nRun `"
                  << path << " --help` for the options.\n";
        return true;
      }
      return false;
    }
    if (word.empty() || word[0] == '-') continue;
    const auto subs = cur->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) continue;  // a positional argument or an option's value
    auto match =
        std::find_if(subs.begin(), subs.end(), [&](CLI::App* s) { return s->check_name(std::string(word)); });
    if (match != subs.end()) {
      cur = *match;
      path += " " + cur->get_name();
      continue;
    }
    std::vector<std::string> names;
    for (const auto* s : subs) names.push_back(s->get_name());
    if (const auto* best = closest(word, names)) {
      std::cerr << path << ": '" << word << "' is not a " << path << " command; did you mean '" << *best
                << "'?\nRun `" << path << " --help` for the list.\n";
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
         "--log-level",
         [](const std::string& v) {
           if (auto l = kavro::log::parse_level(v)) kavro::log::set_level(*l);
         },
         "Least severe log events shown: trace, debug, info (default), warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "warning", "error", "off"}, CLI::ignore_case))
      ->envname("KAVRO_LOG_LEVEL")
      ->trigger_on_parse();
  app.add_option_function<std::string>(
         "--log-format",
         [](const std::string& v) {
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
    return e.get_exit_code();  // a subcommand failed and has said why (kavro::cli::fail_command)
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    if (suggest_correction(app, argc, argv)) return kavro::cli::exit_error;
    // A usage error, in the one error format, with where to read the usage.
    const std::string path = kavro::cli::command_path(app);
    kavro::cli::report_error(path, e.what());
    std::cerr << "Run `kavro" << (path.empty() ? "" : " ") << path << " --help` for the usage.\n";
    return kavro::cli::exit_error;
  } catch (const std::exception& e) {
    kavro::cli::report_error(kavro::cli::command_path(app), e.what());
    return kavro::cli::exit_failed;
  }
  return kavro::cli::exit_ok;
}
