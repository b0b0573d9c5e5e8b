// libFuzzer target: the registry's HTTP request parser (http::parse_request, the step the server
// runs on every byte it reads). Invariants: nothing crashes or hangs; feeding the same bytes in
// pieces ends the same way as all at once (the server reads in arbitrary pieces); a parsed request
// respects the limits it was given.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http_server.hpp"

namespace {

namespace http = kavro::registry_server::http;
using state = http::request_parser::state;

// Small limits, so the fuzzer reaches every limit with short inputs.
constexpr http::limits small{.max_request_line = 256, .max_header_bytes = 512, .max_body_bytes = 1024};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks where the input is cut for the piecewise run; the rest is the request.
  const std::size_t step = 1 + data[0] % 64;
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);

  std::size_t consumed = 0;
  const auto whole = http::parse_request(in, small, &consumed);
  if (whole) {
    if (consumed > in.size() || consumed == 0) __builtin_trap();
    if (whole->body.size() > small.max_body_bytes) __builtin_trap();
    if (whole->target.empty() || whole->method.empty()) __builtin_trap();
  } else if (whole.error().status != 0 && (whole.error().status < 400 || whole.error().status > 599)) {
    __builtin_trap();
  }

  http::request_parser p(small);
  std::size_t used = 0;
  while (used < in.size() && (p.current() == state::need_more || p.current() == state::head_done)) {
    const auto piece = in.substr(used, step);
    const auto n = p.feed(piece);
    if (n > piece.size()) __builtin_trap();
    used += n;
    if (n < piece.size()) break;  // stopped at the end of a request or at a refusal
  }
  const bool complete = p.current() == state::complete;
  const bool failed = p.current() == state::failed;
  if (whole.has_value() != complete) __builtin_trap();
  if (!whole && whole.error().status != 0 && !failed) __builtin_trap();
  if (complete && (p.get().method != whole->method || p.get().target != whole->target ||
                   p.get().body != whole->body || used != consumed)) {
    __builtin_trap();
  }
  return 0;
}
