// The pipeline consumer's loop: per-partition backlogs, decode, handle (a keeper thread polls while a
// slow handler runs), retry by pausing the partition, dead-letter, then store the offset.
#include "kavro/pipeline/consumer.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "consumer_close.hpp"
#include "kavro/config_error.hpp"
#include "kavro/pipeline/clock.hpp"
#include "kavro/pipeline/commit_batcher.hpp"
#include "kavro/pipeline/dead_letter.hpp"
#include "kavro/pipeline/partition_table.hpp"
#include "kavro/pipeline/poll_keeper.hpp"
#include "rdkafka_admin.hpp"
#include "rdkafka_error.hpp"
#include "rdkafka_handles.hpp"

namespace kavro::pipeline {

using kafka::delivery_report;
using kafka::header;
using kafka::producer;
using kafka::producer_config;
namespace keys = kafka::keys;
namespace detail {
using kafka_ptr = rdk::handle_ptr;
using rdk::err_text;
using rdk::make_conf;
using rdk::make_handle;
using rdk::message_ptr;
using rdk::partition_list_ptr;
}  // namespace detail

std::chrono::milliseconds retry_policy::delay(int retry, double unit_random) const {
  double nominal =
      static_cast<double>(initial_backoff.count()) * std::pow(multiplier, std::max(0, retry - 1));
  nominal = std::min(nominal, static_cast<double>(max_backoff.count()));
  const double factor = 1.0 + jitter * (2.0 * std::clamp(unit_random, 0.0, 1.0) - 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(nominal * factor)));
}

namespace {

using clock = coarse_clock;
using partition_key = std::pair<std::string, std::int32_t>;

// The counter of dead letters of this class.
std::uint64_t& dead_count(consumer_counts& c, error_class why) {
  switch (why) {
    case error_class::decode:
      return c.dead_decode;
    case error_class::unknown_schema:
      return c.dead_unknown_schema;
    case error_class::handler_permanent:
      return c.dead_permanent;
    case error_class::handler_exhausted:
      return c.dead_exhausted;
  }
  return c.dead_decode;  // unreachable: the switch names every class
}

// Where the message was consumed from, as the dead-letter codec names it.
origin origin_of(const rd_kafka_message_t* m) {
  origin o;
  o.topic = rd_kafka_topic_name(m->rkt);
  o.partition = m->partition;
  o.offset = m->offset;
  rd_kafka_timestamp_type_t ts_type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  o.timestamp = rd_kafka_message_timestamp(m, &ts_type);
  o.log_append_time = ts_type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME;
  return o;
}

std::string where_of(const rd_kafka_message_t* m) {
  return std::string(rd_kafka_topic_name(m->rkt)) + "[" + std::to_string(m->partition) + "]@" +
         std::to_string(m->offset);
}

// Fault drills of the transactional mode (tests/fault/transactions): KAVRO_TEST_TXN_FAULT=kill or stop
// makes the process SIGKILL or SIGSTOP itself the first time it is about to commit a transaction that
// holds a dead letter, i.e. after the dead letter was acknowledged and before the offsets are committed.
void transaction_fault_drill(const std::function<void(const std::string&)>& log) {
  static bool armed = true;
  if (!armed) return;
  armed = false;
  const char* what = std::getenv("KAVRO_TEST_TXN_FAULT");
  if (what == nullptr) return;
  if (std::string_view(what) == "kill") {
    log("consumer: KAVRO_TEST_TXN_FAULT=kill: killing this process before the transaction's commit");
    std::raise(SIGKILL);
  } else if (std::string_view(what) == "stop") {
    log("consumer: KAVRO_TEST_TXN_FAULT=stop: stopping this process before the transaction's commit");
    std::raise(SIGSTOP);
    log("consumer: KAVRO_TEST_TXN_FAULT=stop: continued");
  }
}

}  // namespace

struct pipeline_consumer::impl {
  // What this consumer holds of one assigned partition. A state lives from its assignment until its
  // revocation (or until a failed batch rolls it back); then it is retired (partition_table.hpp): `live`
  // turns false, so a message of it still being worked on is let go without storing its offset, and the
  // object itself is freed only at the next step, when no reference to it is held.
  struct partition_state {
    std::string topic;
    std::int32_t partition = -1;
    bool live = true;
    bool retry_topic = false;                 // one of the non-blocking retry topics
    std::deque<detail::message_ptr> backlog;  // received, not started, in offset order
    detail::message_ptr pending;              // waiting for its next attempt; blocks the backlog behind it
    int calls = 0;                            // handler calls made for `pending`
    clock::time_point due{};
    bool paused = false;
    // Commit batching: messages handled since the last flush, their first and last offsets. Not stored
    // until the flush that makes their effects durable succeeds.
    batch_span batch;
    // Transactional: the first offset finished in the open transaction (-1: none) and the next offset
    // to commit with it. Offsets below txn_first are committed; a rollback seeks back to it.
    std::int64_t txn_first = -1;
    std::int64_t txn_next = -1;
  };
  using table = partition_table<partition_state>;

  impl(const consumer_config& c, std::atomic<bool>& s) : config(c), stop(s) {}

  const consumer_config& config;
  std::atomic<bool>& stop;
  detail::kafka_ptr rk;
  std::unique_ptr<producer> dead_letters;
  std::shared_ptr<serde::deserializer> deserializer;
  message_handler handler;
  consumer_counts counts;
  // What counts() returns: a copy made once per loop pass, so other threads (metrics, progress) read
  // whole counts without racing the consumer's thread.
  mutable std::mutex published_mutex;
  consumer_counts published;
  std::atomic<std::thread::id> loop_thread{};  // run()'s thread while it runs
  void publish() {
    std::lock_guard lock(published_mutex);
    published = counts;
  }
  std::mt19937_64 rng{std::random_device{}()};
  // Outcome of the dead letter being sent; delivery reports arrive on this thread, inside poll().
  std::optional<delivery_report> last_report;
  table parts;
  std::size_t round_robin = 0;
  clock::time_point last_activity = clock::now();
  // Whether the group has given this member an assignment (possibly empty) that it has not taken back.
  // Until then the idle clock does not run: joining can take a dead member's whole session timeout.
  bool assigned = false;
  clock::time_point unassigned_since = clock::now();
  std::optional<error> fatal;
  std::unique_ptr<poll_keeper> keeper;
  std::atomic<bool> in_handler{false};    // a handler call runs: polls (and rebalances) come from the keeper
  std::vector<std::string> retry_names;   // non-blocking retries: retry topic n is retry_names[n - 1]
  std::optional<serde::decoded> scratch;  // every message is decoded into this one value, reusing its storage
  // Commit batching (config.batching): handled messages not yet flushed, over all partitions.
  std::optional<commit_batcher> batcher;
  // Transactional mode (config.transactional_id). Only the consumer's thread touches the transaction; a
  // rebalance served elsewhere (the keeper, during a handler call) or one that comes while a send waits
  // only marks it doomed, and the consumer's thread aborts it at its next step.
  bool txn_open = false;      // begin_transaction() called, not yet committed or aborted
  bool txn_doomed = false;    // must be aborted: it holds a send or an offset that can no longer commit
  bool txn_sending = false;   // send_and_wait is waiting for an acknowledgement
  std::size_t txn_marks = 0;  // messages finished in the open transaction
  std::size_t txn_dead = 0;   // ... of which dead letters
  std::optional<clock::time_point> txn_since;  // when the first of them was finished
  // The outcome counts as of the last transaction's end: an aborted transaction's outcomes are taken back
  // (its messages are handled again and counted then), so the counts say what was committed.
  consumer_counts at_txn_end;

  void log(const std::string& line) const { config.log(line); }

  bool stopping() const { return stop.load(std::memory_order_relaxed); }

  partition_state* state_of(const rd_kafka_message_t* m) {
    return parts.find_cached(m->rkt, m->partition,
                             [m] { return std::string_view(rd_kafka_topic_name(m->rkt)); });
  }

  // What a partition leaving `parts` held is let go (never stored: the next owner, or this consumer after
  // a seek, receives it again). The table then retires the state itself.
  void let_go(partition_state& s) {
    if (s.txn_first >= 0) txn_doomed = true;  // its offsets can no longer be committed with the rest
    counts.dropped_on_revoke += s.backlog.size() + (s.pending ? 1 : 0);
    s.backlog.clear();
    s.pending.reset();
    if (batcher) batcher->drop(s.batch);
  }
  table::iterator retire(table::iterator it) {
    let_go(*it->second);
    return parts.retire(it);
  }

  void set_paused(partition_state& s, bool paused) {
    if (s.paused == paused) return;
    detail::partition_list_ptr l(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(l.get(), s.topic.c_str(), s.partition);
    rd_kafka_resp_err_t err =
        paused ? rd_kafka_pause_partitions(rk.get(), l.get()) : rd_kafka_resume_partitions(rk.get(), l.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log("consumer: " + std::string(paused ? "pausing " : "resuming ") + s.topic + "[" +
          std::to_string(s.partition) + "]: " + detail::err_text(err));
      return;
    }
    s.paused = paused;
    if (paused) ++counts.pauses;
  }

  // A partition is paused while a message of it waits long enough to be worth it (a pause makes librdkafka
  // drop what it prefetched and fetch it again on resume), or while its backlog is full.
  void settle(partition_state& s) {
    if (!s.live) return;
    const bool long_wait = s.pending != nullptr && s.due - clock::now() >= config.pause_threshold;
    set_paused(s, long_wait || (s.paused && s.pending != nullptr) || s.backlog.size() >= config.max_backlog);
  }

  // Stores offset + 1 for the next commit; through the message's own topic handle, without building a
  // partition list per message (that was 1,200 instructions of a 5,300-instruction message).
  void store_offset(const rd_kafka_message_t* m) {
    // Fails only for a partition no longer assigned: its next owner handles the message again.
    if (rd_kafka_resp_err_t err = rd_kafka_offset_store(m->rkt, m->partition, m->offset)) {
      log("consumer: storing the offset of " + where_of(m) + ": " + detail::err_text(err));
    }
  }

  // m has its final outcome (handled, dead-lettered, moved to a retry topic): its offset is stored for
  // the next commit, or, transactional, joins the open transaction's offsets.
  void finished(partition_state& s, const rd_kafka_message_t* m) {
    if (!transactional()) {
      store_offset(m);
      return;
    }
    mark(s, m->offset, m->offset + 1, 1);
  }
  void mark(partition_state& s, std::int64_t first, std::int64_t next, std::size_t n) {
    if (s.txn_first < 0) s.txn_first = first;
    s.txn_next = next;
    if (txn_marks == 0 && !txn_since) txn_since = clock::now();
    txn_marks += n;
  }

  // --- commit batching --------------------------------------------------------------------------

  // The handler succeeded for m. Unbatched: its offset is stored now. Batched: it joins the batch, which
  // is flushed once it is full.
  void handled(partition_state& s, const rd_kafka_message_t* m) {
    if (!config.batching) {
      ++counts.handled;
      finished(s, m);
      return;
    }
    if (batcher->add(s.batch, m->offset, clock::now())) flush_batch(true);
  }

  // Makes the batch durable (config.batching->flush), then stores its offsets with one call. On failure
  // every partition with a batched message is sought back to its first one and consumed again (its state
  // is replaced, so what this consumer held of it is let go), and, when `may_wait`, the consumer backs
  // off as for a transient failure, polling meanwhile. Inside a rebalance callback it must not wait.
  // Returns false when the batch was rolled back.
  bool flush_batch(bool may_wait) {
    if (!batcher || batcher->empty()) return true;
    result<void> flushed;
    try {
      flushed = config.batching->flush();
    } catch (const std::exception& e) {
      flushed = fail(errc::unavailable, std::string("flush threw: ") + e.what());
    }
    if (flushed) {
      detail::partition_list_ptr offsets(rd_kafka_topic_partition_list_new(static_cast<int>(parts.size())));
      for (auto& [key, s] : parts) {
        const std::int64_t first = s->batch.first;
        const std::size_t n = s->batch.n;
        const std::int64_t next = batcher->committed(s->batch);
        if (transactional()) {  // committed with the transaction, after the batch's own commit
          if (next >= 0) mark(*s, first, next, n);
          continue;
        }
        if (next >= 0)
          rd_kafka_topic_partition_list_add(offsets.get(), s->topic.c_str(), s->partition)->offset = next;
      }
      if (rd_kafka_resp_err_t err = rd_kafka_offsets_store(rk.get(), offsets.get())) {
        log("consumer: storing the offsets of a flushed batch: " +
            detail::err_text(err));  // redelivered: harmless
      }
      counts.handled += batcher->flushed();
      ++counts.batches;
      return true;
    }
    ++counts.batch_failures;
    log("consumer: a batch of " + std::to_string(batcher->size()) +
        " handled message(s) was not made durable (" + flushed.error().message + "); consuming them again");
    roll_back();
    if (may_wait) {
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      wait_polling(config.retry.delay(batcher->next_backoff_step(), unit(rng)));
    }
    return false;
  }

  // Where a rollback seeks a partition back to: the first message finished in the open transaction, else
  // the first of its batch; -1 when it has neither.
  static std::int64_t rewind_point(const partition_state& s) {
    if (s.txn_first >= 0) return s.txn_first;
    return s.batch.empty() ? -1 : s.batch.first;
  }

  // Undoes what is not committed: aborts the open transaction (transactional), then seeks every partition
  // with a batched or transaction-finished message back to the first of them and replaces its state (what
  // this consumer held of it is let go), so all of them are consumed again; nothing is skipped.
  void roll_back() {
    if (transactional()) {
      abort_txn();
      counts.rolled_back += counts.handled - at_txn_end.handled;
      counts.handled = at_txn_end.handled;
      counts.dead_lettered = at_txn_end.dead_lettered;
      counts.dead_decode = at_txn_end.dead_decode;
      counts.dead_unknown_schema = at_txn_end.dead_unknown_schema;
      counts.dead_permanent = at_txn_end.dead_permanent;
      counts.dead_exhausted = at_txn_end.dead_exhausted;
      counts.sent_to_retry_topic = at_txn_end.sent_to_retry_topic;
    }
    std::vector<std::pair<partition_key, std::int64_t>> rewind;
    for (auto it = parts.begin(); it != parts.end(); ++it) {
      const std::int64_t at = rewind_point(*it->second);
      if (at >= 0) rewind.emplace_back(it->first, at);
      it->second->txn_first = it->second->txn_next = -1;  // the transaction is gone: nothing to doom
    }
    detail::partition_list_ptr seek(rd_kafka_topic_partition_list_new(static_cast<int>(rewind.size())));
    for (const auto& [key, first] : rewind) {
      partition_state& old = *parts.find(key.first, key.second);
      const bool was_paused = old.paused;
      const bool retry_topic = old.retry_topic;
      counts.rolled_back += old.batch.n;
      let_go(old);
      partition_state& fresh = parts.assign(key.first, key.second);  // retires `old`
      fresh.paused = was_paused;  // librdkafka's flag; settle() resumes it once there is room
      fresh.retry_topic = retry_topic;
      rd_kafka_topic_partition_list_add(seek.get(), key.first.c_str(), key.second)->offset = first;
    }
    if (batcher) batcher->failed();
    if (rewind.empty()) return;
    if (rd_kafka_error_t* e = rd_kafka_seek_partitions(rk.get(), seek.get(), 10000)) {
      log(std::string("consumer: seeking back after a failed batch: ") + rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
      fatal = error{errc::unavailable, "could not seek back to a failed batch"};  // stop rather than skip
    }
    for (int i = 0; i < seek->cnt; ++i) {
      if (seek->elems[i].err) {
        log("consumer: seeking " + std::string(seek->elems[i].topic) + "[" +
            std::to_string(seek->elems[i].partition) +
            "] back after a failed batch: " + detail::err_text(seek->elems[i].err));
        fatal = error{errc::unavailable, "could not seek back to a failed batch"};
      }
    }
    for (auto& [key, s] : parts) settle(*s);
  }

  // --- transactions (config.transactional_id) ----------------------------------------------------

  bool transactional() const { return !config.transactional_id.empty(); }

  bool begin_txn() {
    if (txn_open) return true;
    if (auto r = dead_letters->begin_transaction(); !r) {
      txn_lost("beginning a transaction", r.error());
      return false;
    }
    txn_open = true;
    if (!txn_since) txn_since = clock::now();
    return true;
  }

  // The producer cannot go on (fenced by a newer producer with the same transactional.id, or lost):
  // run() stops; the open transaction is aborted by the broker, so nothing of it is ever visible.
  void txn_lost(const std::string& what, const kafka::kafka_error& e) {
    log("consumer: " + what + ": " + e.name() + ": " + e.message());
    fatal =
        error{errc::internal, "transactional producer '" + config.transactional_id + "': " + what + ": " +
                                  e.name() + ": " + e.message() +
                                  " (the transaction is not committed; its messages are consumed again by "
                                  "the next run)"};
    txn_open = false;
  }

  void abort_txn() {
    txn_doomed = false;
    txn_marks = txn_dead = 0;
    txn_since.reset();
    if (!txn_open) return;
    ++counts.aborted_transactions;
    for (int tries = 1;; ++tries) {
      auto r = dead_letters->abort_transaction(std::chrono::seconds(30));
      if (r) break;
      if (r.error().fatal() || !r.error().retriable() || tries == 5) {
        txn_lost("aborting the transaction", r.error());
        return;
      }
      log("consumer: aborting the transaction (try " + std::to_string(tries) + "): " + r.error().message());
    }
    txn_open = false;
  }

  // The consumer's group metadata (member, generation) as the producer's send_offsets needs it.
  std::vector<std::uint8_t> group_metadata() {
    std::vector<std::uint8_t> out;
    rd_kafka_consumer_group_metadata_t* md = rd_kafka_consumer_group_metadata(rk.get());
    void* buf = nullptr;
    std::size_t size = 0;
    if (rd_kafka_error_t* e = rd_kafka_consumer_group_metadata_write(md, &buf, &size)) {
      log("consumer: group metadata: " + rdk::error_of(e).message());  // send_offsets then refuses it
    } else {
      const auto* bytes = static_cast<const std::uint8_t*>(buf);
      out.assign(bytes, bytes + size);
      rd_kafka_mem_free(nullptr, buf);
    }
    rd_kafka_consumer_group_metadata_destroy(md);
    return out;
  }

  // A transaction call failed: fatal ends the run, anything else aborts the transaction and consumes its
  // messages again.
  void txn_failed(const std::string& what, const kafka::kafka_error& e) {
    if (e.fatal()) {
      txn_lost(what, e);
      return;
    }
    log("consumer: " + what + ": " + e.name() + ": " + e.message() +
        "; aborting the transaction and consuming its messages again");
    roll_back();
  }

  bool txn_due(clock::time_point now) const {
    if (!txn_since) return false;
    const auto every = config.batching ? config.batching->max_delay : std::chrono::milliseconds(100);
    const std::size_t most = config.batching ? config.batching->max_messages : 1000;
    return now - *txn_since >= every || txn_marks >= most;
  }

  // Makes the batch durable, then, transactional, commits the open transaction with the offsets it
  // finishes (the handler's effects are committed first: a crash between the two replays them). Returns
  // false when it was rolled back or the producer was lost (then `fatal` is set).
  bool commit(bool may_wait) {
    if (!transactional()) return flush_batch(may_wait);
    if (fatal) return false;
    if (txn_doomed) {
      log("consumer: a rebalance or a stop overtook the open transaction; aborting it");
      roll_back();
      return false;
    }
    if (!flush_batch(may_wait)) return false;
    if (txn_marks == 0 && !txn_open) {
      txn_since.reset();
      return true;
    }
    if (!begin_txn()) return false;
    if (txn_dead > 0) transaction_fault_drill(config.log);
    std::vector<kafka::partition_offset> offsets;
    for (auto& [key, s] : parts) {
      if (s->txn_next >= 0) offsets.push_back({s->topic, s->partition, s->txn_next});
    }
    if (!offsets.empty()) {
      if (auto r =
              dead_letters->send_offsets_to_transaction(offsets, group_metadata(), std::chrono::seconds(30));
          !r) {
        txn_failed("adding the offsets to the transaction", r.error());
        return false;
      }
    }
    for (int tries = 1;; ++tries) {
      auto r = dead_letters->commit_transaction(std::chrono::seconds(60));
      if (r) break;
      if (r.error().retriable() && !r.error().txn_requires_abort() && !r.error().fatal() && tries < 5) {
        log("consumer: committing the transaction (try " + std::to_string(tries) +
            "): " + r.error().message());
        continue;
      }
      txn_failed("committing the transaction", r.error());
      return false;
    }
    for (auto& [key, s] : parts) s->txn_first = s->txn_next = -1;
    txn_open = false;
    txn_marks = txn_dead = 0;
    txn_since.reset();
    ++counts.transactions;
    at_txn_end = counts;
    return true;
  }

  // Keeps the consumer polling (group membership, prefetch into the backlogs) for a while.
  void wait_polling(std::chrono::milliseconds how_long) {
    const auto until = clock::now() + how_long;
    while (!stopping() && clock::now() < until) poll_once(50);
  }

  // --- group membership -------------------------------------------------------------------------

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    static_cast<impl*>(opaque)->rebalance(rk, err, partitions);
  }

  void rebalance(rd_kafka_t* h, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
    const bool cooperative = std::string(rd_kafka_rebalance_protocol(h)) == "COOPERATIVE";
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      ++counts.assignments;
      last_activity = clock::now();  // the idle clock starts (again) with the assignment
      if (!assigned) {
        const auto waited =
            std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - unassigned_since);
        log("consumer: group '" + config.group_id + "' assigned " + std::to_string(partitions->cnt) +
            " partition(s) after " + std::to_string(waited.count()) + " ms");
      }
      assigned = true;
      for (int i = 0; i < partitions->cnt; ++i) {
        const std::string topic = partitions->elems[i].topic;
        const std::int32_t partition = partitions->elems[i].partition;
        if (partition_state* old = parts.find(topic, partition)) let_go(*old);
        parts.assign(topic, partition).retry_topic = is_retry_topic(topic);  // retires an old state
      }
      if (cooperative) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_assign(h, partitions)) {
          log(std::string("consumer: incremental assign: ") + rd_kafka_error_string(e));
          rd_kafka_error_destroy(e);
        }
      } else {
        if (rd_kafka_resp_err_t e = rd_kafka_assign(h, partitions))
          log("consumer: assign: " + detail::err_text(e));
      }
      // A partition paused under an earlier assignment must not stay paused (librdkafka keeps the flag).
      if (rd_kafka_resp_err_t e = rd_kafka_resume_partitions(h, partitions)) {
        log("consumer: resuming the assigned partitions: " + detail::err_text(e));
      }
      return;
    }
    // Revoked (or lost): make the batch durable and store it (unless a handler call is running: then the
    // batch's offsets are let go, and the next owner handles those messages again), commit what is done,
    // let go of what is not (its offset was never stored, so the next owner receives it again).
    ++counts.revocations;
    // Eager: everything is revoked and the member joins again. Cooperative: it stays in the group with what
    // is left, unless the assignment was lost (its session expired).
    if (!cooperative || rd_kafka_assignment_lost(h)) {
      assigned = false;
      unassigned_since = clock::now();
    }
    if (transactional() && (in_handler.load() || txn_sending || rd_kafka_assignment_lost(h))) {
      // Not this thread's moment (or the group has moved on): the transaction is aborted, not committed.
      if (txn_open || txn_marks > 0) txn_doomed = true;
    } else if (!in_handler.load()) {
      commit(false);
    }
    for (int i = 0; i < partitions->cnt; ++i) {
      if (partition_state* s = parts.find(partitions->elems[i].topic, partitions->elems[i].partition)) {
        let_go(*s);
        parts.retire(s->topic, s->partition);
      }
    }
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && !rd_kafka_assignment_lost(h) && !transactional()) {
      rd_kafka_resp_err_t c = rd_kafka_commit(h, nullptr, 0);  // the stored offsets of the assignment
      if (c != RD_KAFKA_RESP_ERR_NO_ERROR && c != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        log("consumer: commit at revocation failed: " + detail::err_text(c));
      }
    }
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(h, partitions)) {
        log("consumer: incremental unassign: " + rdk::error_of(e).message());
      }
    } else {
      if (rd_kafka_resp_err_t e = rd_kafka_assign(h, nullptr))
        log("consumer: unassign: " + detail::err_text(e));
      for (auto it = parts.begin(); it != parts.end();) it = retire(it);
    }
  }

  // One poll: a message goes to its partition's backlog; events are logged. Serves rebalances and keeps
  // the max.poll.interval.ms timer reset.
  void poll_once(int timeout_ms) {
    detail::message_ptr m(rd_kafka_consumer_poll(rk.get(), timeout_ms));
    if (!m) return;
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return;
      log("consumer: " + detail::err_text(m->err) +
          (m->rkt ? " (" + std::string(rd_kafka_topic_name(m->rkt)) + ")" : ""));
      if (m->err == RD_KAFKA_RESP_ERR__FATAL) fatal = error{errc::internal, "fatal consumer error"};
      return;
    }
    partition_state* s = state_of(m.get());
    if (s == nullptr) return;  // from a partition no longer ours: not stored, its owner gets it
    ++counts.received;
    counts.received_bytes += m->len + m->key_len;
    s->backlog.push_back(std::move(m));
    if (s->backlog.size() >= config.max_backlog || s->pending != nullptr) settle(*s);
  }

  // --- one attempt at one message ---------------------------------------------------------------

  std::optional<handler_error> call_handler(const consumed_message& cm) {
    std::optional<handler_error> out;
    in_handler.store(true);
    keeper->call_started();
    try {
      out = handler(cm);
    } catch (const std::exception& e) {
      out = handler_error{failure_kind::transient, std::string("handler threw: ") + e.what()};
    } catch (...) {
      out = handler_error{failure_kind::transient, "handler threw a non-standard exception"};
    }
    keeper->call_finished();
    in_handler.store(false);
    return out;
  }

  bool send_dead_letter(partition_state& s, const rd_kafka_message_t* m, error_class why,
                        const std::string& message, int attempts) {
    std::vector<header> original = rdk::headers_of(m);
    pipeline::dead_letter d;
    d.from = origin_of(m);
    if (auto hop = decode_retry(original, d.from)) {  // came through retry topics: name its origin
      const bool log_append_time = d.from.log_append_time;
      d.from = hop->first;
      d.from.log_append_time = log_append_time;
    }
    d.group = config.group_id;
    d.attempts = attempts;
    d.why = why;
    d.message = message;
    return send_and_wait(s, config.dead_letter_topic, m, encode(d, config.header_style, std::move(original)));
  }

  // Sends the message's key and value with these headers and waits for the broker's acknowledgement
  // (polling the consumer meanwhile); retries until acknowledged or stopped. Transactional: the send is
  // part of the open transaction; a failed send dooms it (it is aborted, and m's partition, if it
  // finished messages in it, is consumed again from there: then false), and a rebalance meanwhile too.
  bool send_and_wait(partition_state& s, const std::string& topic, const rd_kafka_message_t* m,
                     const std::vector<header>& headers) {
    const std::span<const std::uint8_t> key(static_cast<const std::uint8_t*>(m->key), m->key_len);
    const std::span<const std::uint8_t> value(static_cast<const std::uint8_t*>(m->payload), m->len);
    struct sending_flag {
      bool& flag;
      ~sending_flag() { flag = false; }
    } sending{txn_sending};
    for (int tries = 1;; ++tries) {
      if (transactional()) {
        txn_sending = false;
        if (txn_doomed) roll_back();
        if (!s.live || fatal || !begin_txn()) return false;
        txn_sending = true;
      }
      last_report.reset();
      auto queued = dead_letters->produce(topic, key, value, headers);
      if (queued) {
        while (!last_report && !stopping()) {
          dead_letters->poll(std::chrono::milliseconds(50));
          poll_once(0);
        }
        if (last_report && !last_report->failure && !txn_doomed) return true;
        if (!last_report) {
          // Stopping: a bounded chance for the queued dead letter; unacknowledged, the offset stays unstored.
          (void)dead_letters->flush(std::chrono::milliseconds(5000));
          const bool sent = last_report && !last_report->failure && !txn_doomed;
          if (!sent && transactional()) txn_doomed = true;  // it may hold the send without its offset
          return sent;
        }
        if (txn_doomed && !last_report->failure) {
          log("sending " + where_of(m) + " to " + topic + ": a rebalance overtook the transaction (try " +
              std::to_string(tries) + ")");
        } else {
          log("sending " + where_of(m) + " to " + topic + ": not acknowledged (try " + std::to_string(tries) +
              "): " + last_report->failure->message);
        }
      } else {
        log("sending " + where_of(m) + " to " + topic + ": could not be queued (try " +
            std::to_string(tries) + "): " + queued.error().message);
      }
      if (transactional()) txn_doomed = true;
      const auto until = clock::now() + config.retry.delay(std::min(tries, 10), 0.5);
      while (clock::now() < until) {
        if (stopping()) return false;
        poll_once(50);
      }
    }
  }

  // Schedules the next attempt at m. A batch is flushed first: the wait must not hold its effects (e.g.
  // a database transaction) open. Returns without scheduling when the partition was let go.
  void schedule(partition_state& s, detail::message_ptr m, int calls, std::chrono::milliseconds delay) {
    flush_batch(true);
    if (!s.live) {
      ++counts.dropped_on_revoke;
      return;
    }
    s.pending = std::move(m);
    s.calls = calls;
    s.due = clock::now() + delay;
    settle(s);
  }

  void finish_dead(partition_state& s, const rd_kafka_message_t* m, error_class why,
                   const std::string& message, int attempts) {
    flush_batch(true);  // the dead letter's offset is stored on its own, after every batched one before it
    if (!s.live) {
      ++counts.dropped_on_revoke;
      return;
    }
    if (!send_dead_letter(s, m, why, message, attempts))
      return;  // stopping: abandoned, delivered again later
    ++counts.dead_lettered;
    ++dead_count(counts, why);
    if (transactional()) ++txn_dead;
    if (s.live) finished(s, m);
  }

  void attempt(partition_state& s, detail::message_ptr owned, int calls) {
    const rd_kafka_message_t* m = owned.get();
    consumed_message cm;
    cm.topic = s.topic;
    cm.partition = m->partition;
    cm.offset = m->offset;
    cm.timestamp = rd_kafka_message_timestamp(m, nullptr);
    cm.key = std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(m->key), m->key_len);
    cm.payload = std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(m->payload), m->len);

    int prior = 0;  // handler calls made before the message came to this retry topic
    if (s.retry_topic) {
      const auto hop = decode_retry(rdk::headers_of(m), origin{});
      prior = hop ? hop->attempts : 0;
      const std::int64_t wait_ms = (hop ? hop->due_ms : 0) - now_ms();
      if (wait_ms > 0) {  // not yet: this retry-topic partition waits, everything else flows
        schedule(s, std::move(owned), calls, std::chrono::milliseconds(wait_ms));
        return;
      }
    }

    if (auto decoded = deserializer->deserialize_into(cm.payload, scratch); !decoded) {
      if (decoded.error().code == errc::unavailable) {
        // The registry being down says nothing about the message: wait (partition paused), never skip it.
        // When stopping (a registry call cancelled by the stop), it is only abandoned, its offset unstored.
        ++counts.registry_waits;
        if (!stopping())
          log(where_of(m) + ": registry unavailable, will decode again: " + decoded.error().message);
        schedule(s, std::move(owned), calls, config.registry_retry_backoff);
        return;
      }
      const bool unknown = decoded.error().code == errc::not_found;
      log(where_of(m) + ": dead-lettering undecodable message: " + decoded.error().message);
      finish_dead(s, m, unknown ? error_class::unknown_schema : error_class::decode, decoded.error().message,
                  0);
      return;
    }
    cm.decoded = &*scratch;
    cm.attempt = prior + calls + 1;
    if (cm.attempt > 1) ++counts.retries;
    std::optional<handler_error> failure = call_handler(cm);
    if (!failure) {
      if (s.live) {
        handled(s, m);
      } else {
        ++counts.handled;  // revoked meanwhile: not stored, the next owner handles it again (idempotently)
      }
      return;
    }
    if (!s.live) {
      ++counts.dropped_on_revoke;
      return;
    }
    const bool permanent = failure->kind == failure_kind::permanent;
    if (permanent || cm.attempt > config.retry.max_retries) {
      finish_dead(s, m, permanent ? error_class::handler_permanent : error_class::handler_exhausted,
                  failure->message, cm.attempt);
      return;
    }
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const auto delay = config.retry.delay(cm.attempt, unit(rng));
    if (config.retry_topics) {
      forward(s, m, cm.attempt, delay, failure->message);
      return;
    }
    schedule(s, std::move(owned), calls + 1, delay);
  }

  static std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  bool is_retry_topic(const std::string& topic) const {
    return std::find(retry_names.begin(), retry_names.end(), topic) != retry_names.end();
  }

  // Non-blocking retry: the message goes to the retry topic for its next attempt, with its origin, the
  // calls made and when it is due; once the broker has it, its offset here is stored.
  void forward(partition_state& s, const rd_kafka_message_t* m, int attempts, std::chrono::milliseconds delay,
               const std::string& why) {
    flush_batch(true);
    if (!s.live) {
      ++counts.dropped_on_revoke;
      return;
    }
    std::vector<header> original = rdk::headers_of(m);
    retry_hop hop;
    const origin self = origin_of(m);
    hop.first = self;
    if (auto earlier = decode_retry(original, self)) hop.first = earlier->first;
    hop.attempts = attempts;
    hop.due_ms = now_ms() + delay.count();
    hop.last_error = why;
    const std::vector<header> headers = encode(hop, std::move(original));
    const std::string& target = retry_names[static_cast<std::size_t>(attempts - 1)];
    if (!send_and_wait(s, target, m, headers)) return;  // stopping: abandoned, delivered again later
    ++counts.sent_to_retry_topic;
    if (s.live) finished(s, m);
  }

  // Takes one step of work from the next partition that has one (round robin); false when none is ready.
  bool step() {
    if (txn_doomed) commit(true);  // aborts it, here where no state is held
    parts.release_retired();       // no step is running: nothing points at a retired state any more
    if (parts.empty()) return false;
    std::optional<clock::time_point> now;  // read only when a retry is waiting
    const std::size_t n = parts.size();
    auto it = parts.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(round_robin % n));
    for (std::size_t i = 0; i < n; ++i, ++it) {
      if (it == parts.end()) it = parts.begin();
      partition_state& s = *it->second;
      detail::message_ptr m;
      int calls = 0;
      if (s.pending) {
        if (!now) now = clock::now();
        if (s.due > *now) continue;
        m = std::move(s.pending);
        calls = s.calls;
      } else if (!s.backlog.empty()) {
        m = std::move(s.backlog.front());
        s.backlog.pop_front();
      } else {
        continue;
      }
      round_robin = (round_robin + i + 1) % n;
      const auto pinned = parts.pin();  // `s` may be retired during the attempt, never freed
      attempt(s, std::move(m), calls);
      settle(s);
      return true;
    }
    return false;
  }

  // How long the loop may block in poll: until the next retry is due, at most 100 ms.
  int idle_poll_ms() const {
    auto wait = std::chrono::milliseconds(100);
    const auto now = clock::now();
    for (const auto& [key, s] : parts) {
      if (!s->pending) continue;
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(s->due - now));
    }
    return static_cast<int>(std::max<std::int64_t>(0, wait.count()));
  }
};

pipeline_consumer::pipeline_consumer(consumer_config config,
                                     std::shared_ptr<serde::deserializer> deserializer,
                                     message_handler handler)
    : config_(std::move(config)) {
  if (config_.bootstrap_servers.empty()) throw config_error("consumer: bootstrap servers are empty");
  if (config_.topics.empty()) throw config_error("consumer: no topic to consume");
  if (config_.group_id.empty()) throw config_error("consumer: group id is empty");
  if (config_.retry.max_retries < 0) throw config_error("consumer: retries must be >= 0");
  if (config_.max_backlog == 0) throw config_error("consumer: max_backlog must be > 0");
  if (config_.batching && !config_.batching->flush)
    throw config_error("consumer: commit batching without a flush");
  if (config_.batching && config_.batching->max_messages == 0) {
    throw config_error("consumer: commit batching's max_messages must be > 0");
  }
  if (!config_.transactional_id.empty()) {
    // Offsets committed outside the transactions would break them: refuse rather than ignore.
    if (auto it = config_.extra.find("enable.auto.commit");
        it != config_.extra.end() && it->second != "false")
      throw config_error("consumer: enable.auto.commit=" + it->second +
                         " with a transactional id: offsets are committed only inside transactions");
  }
  if (!deserializer) throw config_error("consumer: no deserializer");
  if (!handler) throw config_error("consumer: no handler");
  if (config_.dead_letter_topic.empty()) config_.dead_letter_topic = config_.topics.front() + ".dlq";
  if (std::find(config_.topics.begin(), config_.topics.end(), config_.dead_letter_topic) !=
      config_.topics.end()) {
    throw config_error("consumer: dead-letter topic '" + config_.dead_letter_topic +
                       "' is also a source topic");
  }
  if (!config_.log) config_.log = [](const std::string& line) { std::cerr << line << '\n'; };
  impl_ = std::make_unique<impl>(config_, stop_);
  if (config_.batching) impl_->batcher.emplace(config_.batching->max_messages, config_.batching->max_delay);
  if (config_.retry_topics) {
    for (int n = 1; n <= config_.retry.max_retries; ++n) {
      impl_->retry_names.push_back(config_.topics.front() + ".retry-" + std::to_string(n));
    }
  }
  impl_->deserializer = std::move(deserializer);
  impl_->handler = std::move(handler);

  properties props{
      {keys::bootstrap_servers, config_.bootstrap_servers},
      {keys::group_id, config_.group_id},
      {keys::auto_offset_reset, "earliest"},
      {keys::enable_auto_offset_store, "false"},
      {"enable.auto.commit", config_.transactional_id.empty() ? "true" : "false"},
      {"auto.commit.interval.ms", "1000"},
  };
  // Transactional: offsets are committed only inside transactions, and what this consumer reads (a retry
  // topic written by transactions) is read as committed.
  if (!config_.transactional_id.empty()) props.emplace("isolation.level", "read_committed");
  // The prefetch queue. Before 2.2, librdkafka stops fetching a partition once its queue holds
  // queued.min.messages and looks again only up to a second later; the consumer drains 100,000 small
  // messages in well under that, so a larger count (bounded in bytes) keeps fetching going, at the cost
  // of memory: about 30 MB + 320 B per queued message, some 300 MB for small records once a backlog of
  // a few million builds up (docs/performance.md). From 2.2 on, fetch.queue.backoff.ms makes that
  // second 10 ms, and the default count keeps memory flat at full speed.
  if (rd_kafka_version() >= 0x02020000) {
    props.emplace("fetch.queue.backoff.ms", "10");
  } else {
    props.emplace("queued.min.messages", "1000000");
    props.emplace("queued.max.messages.kbytes", "16384");
  }
  for (const auto& [k, v] : config_.extra) props[k] = v;
  auto conf = detail::make_conf(props);
  if (!conf) throw config_error(conf.error().message);
  rd_kafka_conf_set_rebalance_cb(conf->get(), &impl::on_rebalance);
  rd_kafka_conf_set_opaque(conf->get(), impl_.get());
  auto rk = detail::make_handle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk) throw config_error(rk.error().message);
  impl_->rk = std::move(*rk);
  if (rd_kafka_resp_err_t err = rd_kafka_poll_set_consumer(impl_->rk.get())) {
    throw config_error("consumer: redirecting the main queue: " + detail::err_text(err));
  }

  producer_config pc;
  pc.bootstrap_servers = config_.bootstrap_servers;
  pc.extra = config_.dead_letter_producer;
  pc.extra.emplace("linger.ms", "0");
  pc.log = config_.log;
  pc.transactional_id = config_.transactional_id;
  impl_->dead_letters =
      std::make_unique<producer>(pc, [this](const delivery_report& r) { impl_->last_report = r; });
}

pipeline_consumer::~pipeline_consumer() = default;

consumer_counts pipeline_consumer::counts() const {
  // A handler or flush asking mid-pass (the consumer's own thread) sees what it has just done.
  if (impl_->loop_thread.load(std::memory_order_relaxed) == std::this_thread::get_id()) return impl_->counts;
  std::lock_guard lock(impl_->published_mutex);
  return impl_->published;
}

std::vector<std::string> pipeline_consumer::retry_topic_names() const {
  return impl_->retry_names;
}

result<void> pipeline_consumer::run(const run_options& options) {
  rd_kafka_t* rk = impl_->rk.get();
  impl_->loop_thread.store(std::this_thread::get_id(), std::memory_order_relaxed);
  struct loop_end {
    std::atomic<std::thread::id>& id;
    ~loop_end() { id.store(std::thread::id{}, std::memory_order_relaxed); }
  } const loop_end_guard{impl_->loop_thread};
  auto& counts = impl_->counts;

  std::vector<std::string> subscription = config_.topics;
  subscription.insert(subscription.end(), impl_->retry_names.begin(), impl_->retry_names.end());
  detail::partition_list_ptr topics(rd_kafka_topic_partition_list_new(static_cast<int>(subscription.size())));
  for (const auto& t : subscription)
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  if (rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics.get())) {
    return fail(errc::invalid_argument, "subscribing: " + detail::err_text(err));
  }
  if (impl_->transactional()) {
    if (auto ok = impl_->dead_letters->init_transactions(std::chrono::seconds(60)); !ok) {
      return tl::unexpected(
          ok.error().to_error("initializing the transactions of '" + config_.transactional_id + "'"));
    }
  }
  impl_->keeper =
      std::make_unique<poll_keeper>(std::chrono::milliseconds(250), [this] { impl_->poll_once(50); });
  impl_->last_activity = impl_->unassigned_since = clock::now();
  impl_->assigned = false;
  config_.log("consumer: joining group '" + config_.group_id + "', waiting for a partition assignment");

  constexpr auto notice_every = std::chrono::seconds(10);
  auto next_notice = notice_every;
  std::optional<error> gave_up;
  while (!stop_.load(std::memory_order_relaxed) && !impl_->fatal) {
    impl_->publish();
    const std::size_t batched = impl_->batcher ? impl_->batcher->size() : 0;
    if (options.max_messages != 0 && counts.finished() + batched >= options.max_messages) {
      impl_->commit(true);
      if (counts.finished() >= options.max_messages) break;
    }
    const auto now = clock::now();
    if (!impl_->assigned) {
      // Waiting for the group is not idleness; it has its own bound.
      impl_->last_activity = now;
      const auto waited =
          std::chrono::duration_cast<std::chrono::milliseconds>(now - impl_->unassigned_since);
      if (options.assignment_timeout.count() > 0 && waited > options.assignment_timeout) {
        gave_up =
            error{errc::unavailable,
                  "no partition assignment from group '" + config_.group_id + "' within " +
                      std::to_string(options.assignment_timeout.count()) +
                      " ms: a member that ended without leaving the group holds its partitions until its "
                      "session.timeout.ms expires, or the broker cannot be reached"};
        break;
      }
      if (waited >= next_notice) {
        config_.log(
            "consumer: still waiting for a partition assignment from group '" + config_.group_id + "' (" +
            std::to_string(waited.count() / 1000) +
            " s; a member that ended without leaving holds its partitions until its session times out)");
        next_notice += notice_every;
      }
    } else {
      next_notice = notice_every;
    }
    if (options.idle_timeout.count() > 0 && now - impl_->last_activity > options.idle_timeout) break;
    if (impl_->batcher && impl_->batcher->due(now)) impl_->commit(true);
    if (impl_->txn_due(now)) impl_->commit(true);
    if (impl_->step()) {
      impl_->last_activity = now;  // waiting out retries is not idleness
      impl_->poll_once(0);
    } else {
      impl_->commit(true);  // nothing ready: nothing gained by holding the batch open
      impl_->poll_once(impl_->idle_poll_ms());
    }
  }
  impl_->keeper.reset();
  // What was handled is made durable and stored before the final commit; if that fails, it is not
  // stored and the next run handles it again.
  if (!impl_->fatal) impl_->commit(false);

  // Commit what is done, then leave the group so partitions move on without waiting for a session timeout.
  // Messages still waiting for a retry were never stored: the next run receives them again.
  if (!impl_->transactional()) {
    rd_kafka_resp_err_t err = commit_within(rk, std::chrono::seconds(10));  // unbounded with no coordinator
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      config_.log("consumer: final commit failed: " + detail::err_text(err));
    }
  }
  // Bounded: with every broker gone, rd_kafka_consumer_close() would wait for ever for the coordinator.
  std::string close_error;
  if (close_consumer_within(rk, std::chrono::seconds(10), close_error) == close_outcome::timed_out) {
    config_.log(
        "consumer: could not leave the group within 10 s (no broker answers); closing without it: the group "
        "reassigns its partitions after session.timeout.ms");
    rd_kafka_destroy_flags(impl_->rk.release(), RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  } else if (!close_error.empty()) {
    config_.log("consumer: leaving the group: " + close_error);  // the session times out instead
  }
  impl_->parts.clear();
  impl_->publish();
  if (impl_->fatal) return tl::unexpected(*impl_->fatal);
  if (gave_up) return tl::unexpected(*gave_up);
  return {};
}

}  // namespace kavro::pipeline
