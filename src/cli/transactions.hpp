// The transactional options of `kavro produce` and `kavro consume`: atomic batches of produced records
// (each committed whole or aborted whole, and the summary names the records not committed), and the
// consumer's default transactional id.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "kavro/kafka/producer.hpp"
#include "kavro/result.hpp"

namespace kavro::cli {

// The consumer's transactional.id when --transactional is given without one: one per process (group,
// host, pid), so two processes of a group never fence each other; the group generation fences a member
// that lost its partitions (KIP-447). A restart with a stable --transactional-id instead aborts at once
// what a crashed predecessor left open, rather than after its transaction.timeout.ms.
std::string default_transactional_id(const std::string& group);

// Records sent in transactions of `size`: a transaction is always open while records are sent; sent()
// commits it when full and opens the next. A transaction that fails is aborted: read_committed readers
// never see any of its records, and the summary lists them (by the names given to sent()).
class transactional_batches {
 public:
  transactional_batches(kafka::producer& producer, std::uint64_t size) : producer_(producer), size_(size) {}

  // Fences an earlier producer with the same id, then opens the first transaction.
  result<void> start();
  // A record named `where` was queued in the open transaction. An error: the producer cannot go on
  // (fenced or fatal); the records not yet sent must not be sent.
  result<void> sent(const std::string& where);
  // Commits the last, possibly short, transaction.
  result<void> finish();

  bool all_committed() const { return aborted_records_ == 0 && open_records_ == 0; }
  // "transactions: committed C (R records), aborted A (S records: first..last: reason; ...)".
  void summary(std::ostream& out) const;

 private:
  result<void> commit();
  result<void> begin();

  kafka::producer& producer_;
  std::uint64_t size_;
  bool open_ = false;
  std::uint64_t open_records_ = 0;
  std::string first_, last_;
  std::uint64_t committed_ = 0, committed_records_ = 0, aborted_ = 0, aborted_records_ = 0;
  std::vector<std::string> not_committed_;
};

}  // namespace kavro::cli
