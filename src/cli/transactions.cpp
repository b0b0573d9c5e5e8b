// Transactions for `kavro produce --transactional-id` and the id of `kavro consume --transactional`.
#include "transactions.hpp"

#include <unistd.h>

#include <chrono>

namespace kavro::cli {

std::string default_transactional_id(const std::string& group) {
  char host[256] = "";
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return "kavro-consume-" + group + "-" + host + "-" + std::to_string(getpid());
}

result<void> transactional_batches::start() {
  if (auto ok = producer_.init_transactions(std::chrono::seconds(60)); !ok) {
    return tl::unexpected(ok.error().to_error("initializing transactions"));
  }
  return begin();
}

result<void> transactional_batches::begin() {
  if (auto ok = producer_.begin_transaction(); !ok) {
    return tl::unexpected(ok.error().to_error("beginning a transaction"));
  }
  open_ = true;
  return {};
}

result<void> transactional_batches::sent(const std::string& where) {
  if (open_records_++ == 0) first_ = where;
  last_ = where;
  if (open_records_ < size_) return {};
  if (auto ok = commit(); !ok) return ok;
  return begin();
}

result<void> transactional_batches::finish() {
  if (!open_) return {};
  if (open_records_ == 0) {  // nothing in it: nothing to commit
    open_ = false;
    (void)producer_.abort_transaction(std::chrono::seconds(30));
    return {};
  }
  return commit();
}

result<void> transactional_batches::commit() {
  open_ = false;
  const std::string records =
      std::to_string(open_records_) + " record(s): " + first_ + (open_records_ > 1 ? " .. " + last_ : "");
  kafka::txn_result done;
  for (int tries = 1; tries <= 5; ++tries) {
    done = producer_.commit_transaction(std::chrono::seconds(60));
    if (done || !done.error().retriable() || done.error().txn_requires_abort() || done.error().fatal()) break;
  }
  if (done) {
    ++committed_;
    committed_records_ += open_records_;
    open_records_ = 0;
    return {};
  }
  const kafka::kafka_error& e = done.error();
  std::string why = e.name() + ": " + e.message();
  ++aborted_;
  aborted_records_ += open_records_;
  open_records_ = 0;
  if (!e.fatal()) {
    if (auto aborted = producer_.abort_transaction(std::chrono::seconds(30)); !aborted) {
      not_committed_.push_back(records + " (" + why + "; abort: " + aborted.error().message() + ")");
      return tl::unexpected(aborted.error().to_error("aborting a transaction"));
    }
    not_committed_.push_back(records + " (" + why + ")");
    return {};  // the next transaction may succeed
  }
  not_committed_.push_back(records + " (" + why + ")");
  return tl::unexpected(e.to_error("committing a transaction"));
}

void transactional_batches::summary(std::ostream& out) const {
  out << "transactions: committed " << committed_ << " (" << committed_records_ << " records), aborted "
      << aborted_ << " (" << aborted_records_ << " records)";
  for (const auto& r : not_committed_) out << "\n  not committed: " << r;
  if (open_records_ > 0)
    out << "\n  not committed: " << open_records_ << " record(s) of the open transaction";
  out << '\n';
}

}  // namespace kavro::cli
