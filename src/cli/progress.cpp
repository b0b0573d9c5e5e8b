// Progress lines on stderr for long produce/consume/replay runs.
#include "progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace kavro::cli {

void add_progress_options(CLI::App* cmd, progress_options& o) {
  auto* quiet = cmd->add_flag("-q,--quiet", o.quiet,
                              "Print no progress lines and no summary, only errors (the exit status tells)");
  cmd->add_flag("--progress", o.force,
                "Print progress lines on stderr even when it is not a terminal (they are printed on a "
                "terminal anyway)")
      ->excludes(quiet);
  cmd->add_option("--progress-every", o.every_s, "Seconds between progress lines")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
}

bool progress_wanted(const progress_options& o) {
  return !o.quiet && (o.force || ::isatty(STDERR_FILENO) == 1);
}

std::ostream& summary_stream(const progress_options& o, std::ostream& normal) {
  static std::ostream nowhere(nullptr);  // no buffer: every write is dropped
  return o.quiet ? nowhere : normal;
}

progress_sample consume_sample(const pipeline::consumer_counts& c, std::int64_t lag) {
  progress_sample s{c.received, "stored " + std::to_string(c.handled) + ", dead-lettered " +
                                    std::to_string(c.dead_lettered) + ", retries " +
                                    std::to_string(c.retries)};
  s.details += lag >= 0 ? ", lag " + std::to_string(lag) : ", lag unknown";
  return s;
}

progress_sample produce_sample(const kafka::producer_counts& c, std::int64_t queued) {
  progress_sample s{c.produced,
                    "delivered " + std::to_string(c.delivered) + ", failed " + std::to_string(c.failed)};
  if (queued >= 0) s.details += ", queued " + std::to_string(queued);
  return s;
}

std::string format_rate(double per_second) {
  char buf[32];
  if (per_second >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2fM", per_second / 1e6);
  else if (per_second >= 1e4)
    std::snprintf(buf, sizeof buf, "%.1fk", per_second / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", per_second);
  return buf;
}

progress_reporter::progress_reporter(const progress_options& o, std::string command, std::string noun,
                                     std::function<progress_sample()> sample)
    : command_(std::move(command)),
      noun_(std::move(noun)),
      sample_(std::move(sample)),
      every_(static_cast<std::int64_t>(o.every_s * 1000)) {
  if (progress_wanted(o)) thread_ = std::thread([this] { loop(); });
}

progress_reporter::~progress_reporter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void progress_reporter::loop() {
  auto last_time = std::chrono::steady_clock::now();
  std::uint64_t last_total = 0;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, every_, [this] { return stop_; })) {
    const auto s = sample_();
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - last_time).count();
    const double rate = seconds > 0 ? static_cast<double>(s.total - last_total) / seconds : 0;
    last_time = now;
    last_total = s.total;
    // One write per line, so it is not interleaved with the log lines of other threads.
    std::string line =
        "kavro " + command_ + ": " + std::to_string(s.total) + " " + noun_ + " (" + format_rate(rate) + "/s)";
    if (!s.details.empty()) line += "; " + s.details;
    line += '\n';
    std::cerr << line << std::flush;
  }
}

}  // namespace kavro::cli
