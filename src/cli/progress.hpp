// Progress lines for long runs (produce, consume, dlq replay): every few seconds on stderr when it is
// a terminal, or always with --progress; --quiet silences them and the final summary's non-error lines.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

#include "kavro/kafka/producer.hpp"
#include "kavro/pipeline/consumer.hpp"

namespace kavro::cli {

struct progress_options {
  bool force = false;  // --progress: even when stderr is not a terminal
  bool quiet = false;  // --quiet
  double every_s = 5;  // --progress-every
};

void add_progress_options(CLI::App* cmd, progress_options& o);

// True when progress lines will be printed: --progress, or stderr is a terminal, and not --quiet.
bool progress_wanted(const progress_options& o);

// One reading: the count the rate is computed from ("received", "sent", "replayed") and the rest of
// the line ("stored 10, dead-lettered 2, lag 40").
struct progress_sample {
  std::uint64_t total = 0;
  std::string details;
};

// Prints "kavro <command>: <total> <noun> (<rate>/s); <details>" every interval from its own thread,
// while it lives (nothing when progress is not wanted). `sample` runs on that thread: thread-safe.
class progress_reporter {
 public:
  progress_reporter(const progress_options& o, std::string command, std::string noun,
                    std::function<progress_sample()> sample);
  ~progress_reporter();
  progress_reporter(const progress_reporter&) = delete;
  progress_reporter& operator=(const progress_reporter&) = delete;

 private:
  void loop();

  std::string command_;
  std::string noun_;
  std::function<progress_sample()> sample_;
  std::chrono::milliseconds every_{5000};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

// Where a command's summary and other non-error lines go: `normal`, or nowhere with --quiet.
std::ostream& summary_stream(const progress_options& o, std::ostream& normal);

// The progress readings of the pipeline commands; lag and queue < 0: not known (yet).
progress_sample consume_sample(const pipeline::consumer_counts& c, std::int64_t lag);
progress_sample produce_sample(const kafka::producer_counts& c, std::int64_t queued);

// The rate as a progress line shows it: "1234", "12.5k", "1.20M".
std::string format_rate(double per_second);

}  // namespace kavro::cli
