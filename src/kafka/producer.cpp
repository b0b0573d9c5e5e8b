// The producer: librdkafka with idempotence and bounded retries, a delivery report per message, and
// recovery from fatal errors by recreating the librdkafka producer and sending again what has no outcome.
//
// What it adds to librdkafka per message is kept small: a message's bytes are kept for a resend in a
// reused slot (no allocation once the slots are warm; a large value is sent by librdkafka from there,
// without a copy of its own), the topic handle is cached, delivery reports are served every
// `poll_every` messages and settled a few at a time, and the callback gets one reused report object.
#include "kavro/kafka/producer.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <iostream>
#include <limits>
#include <stdexcept>
#include <thread>

#include "handles.hpp"
#include "kavro/config_error.hpp"
#include "producer_test_access.hpp"
#include "rdkafka_error.hpp"

namespace kavro::kafka {

namespace {

// produce() serves delivery reports after this many accepted messages (and whenever the queue is full).
// Serving them costs a queue lock whether or not any are ready; at 1,024 a burst of reports waits about
// a millisecond at a million messages per second.
constexpr unsigned poll_every = 1024;

// A value up to this size is copied by librdkafka (RD_KAFKA_MSG_F_COPY) into its own message, next to
// the header its broker thread reads anyway; measured cheaper than pointing librdkafka at the slot. A
// larger value is sent from the slot itself, without a second copy. (librdkafka always copies the key.)
constexpr std::uint32_t copied_value_max = 128;

// A slot keeps a buffer for a message too large to fit in it up to this size, for the next one.
constexpr std::uint32_t kept_buffer_max = 16384;

// Zero-length keys and values are sent as empty, not null (a null value is a tombstone): librdkafka
// tells the two apart by the pointer.
char empty_bytes[1];

// Asks for the cache line at p without waiting for it. Inline assembly on x86: GCC 12 -O2 silently
// dropped __builtin_prefetch here (addresses read from the free list's last elements).
inline void prefetch(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 (%0)" : : "r"(p));
#else
  __builtin_prefetch(p, 1);
#endif
}

// A counter written only by the thread that uses the producer and read by any: a relaxed load and
// store, no locked read-modify-write per message.
void bump(std::atomic<std::uint64_t>& n, std::uint64_t by = 1) {
  n.store(n.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

}  // namespace

struct producer::impl {
  // A message without an outcome yet, kept so that a recreated producer can send it again. Slots live
  // in chunks that never move, and a slot's bytes are never reallocated while librdkafka holds them, so
  // librdkafka can send a large value from the slot itself (no second copy).
  //
  // Two cache lines: what the delivery report reads on the first, a small message's bytes on the second.
  // The report touches the slot long after produce() did (a miss, overlapped: see settle_outcomes), and
  // produce() reuses the slot the last report freed.
  struct alignas(64) slot {
    enum class state : std::uint8_t {
      free,
      pending,    // being produced: not yet accepted by librdkafka
      live,       // accepted, no outcome yet
      abandoned,  // reported failed at shutdown while librdkafka may still hold its bytes
    };
    static constexpr std::uint32_t small_size = 64;

    std::unique_ptr<char[]> large;  // when key and value do not fit in `small`; reused by later messages
    std::uint32_t large_capacity = 0;
    std::uint32_t key_size = 0, value_size = 0;
    std::uint32_t topic = 0;  // index into topics
    std::uint64_t seq = 0;    // the order messages were produced in, kept across recreated producers
    std::uint64_t token = 0;
    std::unique_ptr<std::vector<header>> headers;  // only once a message in this slot had headers
    std::int32_t partition = -1;
    std::int32_t sessions = 0;  // recreated producers it was carried into
    std::uint16_t sent_by = 0;  // the generation of the rk that accepted it last
    state st = state::free;
    bool held = false;  // librdkafka holds the bytes: between a successful send and the delivery report
    alignas(64) char small[small_size];

    char* bytes() { return key_size + value_size <= small_size ? small : large.get(); }

    // The caller checked that key and value together fit in 32 bits.
    void store(std::span<const std::uint8_t> key, std::span<const std::uint8_t> value) {
      const auto need = static_cast<std::uint32_t>(key.size() + value.size());
      key_size = static_cast<std::uint32_t>(key.size());
      value_size = static_cast<std::uint32_t>(value.size());
      if (need > small_size && need > large_capacity) {  // reused when large enough (see release)
        large_capacity = need <= 0xffffffc0u ? (need + 63) & ~std::uint32_t{63} : need;
        large = std::make_unique_for_overwrite<char[]>(large_capacity);
      }
      char* to = bytes();
      if (key_size != 0) std::memcpy(to, key.data(), key_size);
      if (value_size != 0) std::memcpy(to + key_size, value.data(), value_size);
    }
    char* key() { return key_size == 0 ? empty_bytes : bytes(); }
    char* value() { return value_size == 0 ? empty_bytes : bytes() + key_size; }

    void store(const std::vector<header>& from) {
      if (!from.empty()) {
        if (!headers) headers = std::make_unique<std::vector<header>>();
        *headers = from;  // reuses the capacity of the previous message's headers
      } else if (headers) {
        headers->clear();
      }
    }
  };
  static_assert(offsetof(slot, small) == 64 && sizeof(slot) == 128);

  // The slots, in chunks that are never moved: growing copies nothing, and librdkafka may point into them.
  struct slab {
    static constexpr std::uint32_t chunk_slots = 1024;
    std::vector<std::unique_ptr<slot[]>> chunks;
    std::uint32_t count = 0;

    slot& operator[](std::uint32_t i) { return chunks[i / chunk_slots][i % chunk_slots]; }
    const slot& operator[](std::uint32_t i) const { return chunks[i / chunk_slots][i % chunk_slots]; }
    std::uint32_t size() const { return count; }
    std::uint32_t add() {
      if (count == std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("producer: too many messages without an outcome");
      }
      if (count % chunk_slots == 0) chunks.push_back(std::make_unique<slot[]>(chunk_slots));
      return count++;
    }
  };

  struct topic_handle {
    std::string name;
    rd_kafka_topic_t* rkt = nullptr;  // of the current rk; recreated with it
  };
  static constexpr std::uint32_t no_topic = std::numeric_limits<std::uint32_t>::max();

  producer_config config;
  properties props;
  // How long produce() waits on a full queue without any message getting an outcome; 0: for ever (a
  // delivery timeout of 0 is librdkafka's "infinite").
  std::chrono::milliseconds queue_full_wait{0};
  detail::kafka_ptr rk;
  delivery_callback on_delivery;
  std::atomic<std::uint64_t> produced{0}, delivered{0}, failed{0}, recoveries{0}, resent{0};
  slab slots;
  std::vector<std::uint32_t> free_slots;   // reused last-freed first: its bytes are likely still cached
  std::size_t live = 0;                    // messages accepted by librdkafka without an outcome yet
  std::size_t pending = 0, abandoned = 0;  // slots in those states
  std::vector<topic_handle> topics;
  std::uint32_t last_topic = 0;  // the topic of the previous produce(): usually the next one's too
  std::uint64_t next_seq = 1;
  std::uint16_t generation = 0;  // of rk: counts recreations (wrapping)
  unsigned since_poll = 0;
  bool closing = false;  // purged messages are reported as not delivered before shutdown
  // The report handed to the callback: one object reused, so that its topic string keeps its capacity
  // and a delivery costs no allocation. A report made while the callback runs (a callback that produces
  // and polls) gets its own.
  delivery_report reusable;
  std::uint32_t reusable_topic = no_topic;  // whose name reusable.topic holds
  bool reporting = false;

  ~impl() {
    drop_topic_handles();
    rk.reset();
  }

  void log(const std::string& line) const {
    if (config.log)
      config.log(line);
    else
      std::cerr << line << '\n';
  }

  // --- slots --------------------------------------------------------------------------------------

  std::uint32_t acquire() {
    if (!free_slots.empty()) {
      const std::uint32_t i = free_slots.back();
      free_slots.pop_back();
      return i;
    }
    return slots.add();
  }

  // The next messages take the slots freed last; a poll may have freed thousands, so those are not in
  // the cache anymore. Asking for them a message ahead hides the wait behind the caller's next encode:
  // the slot after next, and the large buffer of the next one (whose slot the previous call asked for).
  void prefetch_next_slots() const {
    const std::size_t n = free_slots.size();
    if (n >= 2) {
      const slot& after_next = slots[free_slots[n - 2]];
      prefetch(&after_next);
      prefetch(after_next.small);
    }
    if (n >= 1 && slots[free_slots[n - 1]].large) prefetch(slots[free_slots[n - 1]].large.get());
  }

  void release(std::uint32_t i) {
    slot& m = slots[i];
    if (m.st == slot::state::pending) --pending;
    if (m.st == slot::state::abandoned) --abandoned;
    m.st = slot::state::free;
    m.held = false;
    // A buffer kept for reuse saves an allocation per message; a large one is not worth its memory in
    // a slot that may not see another large message.
    if (m.large_capacity > kept_buffer_max) {
      m.large.reset();
      m.large_capacity = 0;
    }
    free_slots.push_back(i);
  }

  // A message that has its outcome gives up its slot, unless librdkafka still holds its bytes (reported
  // failed at shutdown before librdkafka let go): then the slot waits for librdkafka's report or for the
  // rk to be destroyed.
  void finish(std::uint32_t i) {
    if (!slots[i].held) {
      release(i);
    } else {
      slots[i].st = slot::state::abandoned;
      ++abandoned;
    }
  }

  // Once every message has its outcome, the slots a burst added beyond the first chunk are given back:
  // the slab grows to what was in flight at once (up to librdkafka's queue.buffering.max.messages).
  void trim() {
    if (live != 0 || pending != 0 || abandoned != 0 || slots.size() <= slab::chunk_slots) return;
    slots.chunks.resize(1);
    slots.count = slab::chunk_slots;
    free_slots.clear();
    for (std::uint32_t i = slab::chunk_slots; i-- > 0;) free_slots.push_back(i);
  }

  // The slots of messages without an outcome, in the order they were produced.
  std::vector<std::uint32_t> live_in_order() const {
    std::vector<std::uint32_t> order;
    order.reserve(live);
    for (std::uint32_t i = 0; i < slots.size(); ++i) {
      if (slots[i].st == slot::state::live) order.push_back(i);
    }
    std::sort(order.begin(), order.end(),
              [&](std::uint32_t a, std::uint32_t b) { return slots[a].seq < slots[b].seq; });
    return order;
  }

  // After the rk that held them is destroyed, nothing refers to the bytes of an abandoned message.
  void release_abandoned() {
    for (std::uint32_t i = 0; i < slots.size(); ++i) {
      slots[i].held = false;
      if (slots[i].st == slot::state::abandoned) release(i);
    }
  }

  // --- topics -------------------------------------------------------------------------------------

  // The index of a topic's handle; no_topic when librdkafka rejects the name (rd_kafka_producev by name
  // says RD_KAFKA_RESP_ERR__INVALID_ARG then, and so does produce()).
  std::uint32_t topic_index(std::string_view name) {
    if (last_topic < topics.size() && topics[last_topic].name == name) return last_topic;
    for (std::uint32_t i = 0; i < topics.size(); ++i) {
      if (topics[i].name == name) return last_topic = i;
    }
    topic_handle t{std::string(name)};
    if ((t.rkt = rd_kafka_topic_new(rk.get(), t.name.c_str(), nullptr)) == nullptr) return no_topic;
    topics.push_back(std::move(t));
    return last_topic = static_cast<std::uint32_t>(topics.size() - 1);
  }

  // Topic handles belong to one rk: destroyed before it, recreated on first use by the next one.
  void drop_topic_handles() {
    for (auto& t : topics) {
      if (t.rkt != nullptr) rd_kafka_topic_destroy(t.rkt);
      t.rkt = nullptr;
    }
  }

  // --- delivery reports ---------------------------------------------------------------------------

  void report(const slot& m, std::int32_t partition, std::int64_t offset, std::optional<error> failure) {
    bump(failure ? failed : delivered);
    if (!on_delivery) return;
    delivery_report nested;
    delivery_report& r = reporting ? nested : reusable;
    r.token = m.token;
    if (reporting || reusable_topic != m.topic) {
      r.topic.assign(topics[m.topic].name);
      if (!reporting) reusable_topic = m.topic;
    }
    r.partition = partition;
    r.offset = offset;
    r.failure = std::move(failure);
    struct guard {
      bool& flag;
      bool was;
      ~guard() { flag = was; }
    } g{reporting, reporting};
    reporting = true;
    on_delivery(r);
  }

  // The message counts as in flight until its callback returns (which may poll: see trim).
  void fail_message(std::uint32_t i, std::int32_t partition, error why) {
    report(slots[i], partition, -1, std::move(why));
    --live;
    finish(i);  // by index: the callback may have produced and grown the slab
  }

  bool recoverable() const { return config.max_recoveries > 0 && !closing; }

  // librdkafka's delivery reports are settled a few at a time: the callback only notes the outcome and
  // asks for the message's slot, which was last touched when the message was produced and is no longer
  // in the cache; settling the batch then finds the slots there, their waits overlapped instead of one
  // after another. Every call that serves librdkafka's reports (serve, flush) settles the rest after it.
  struct outcome {
    std::uint32_t slot;
    rd_kafka_resp_err_t err;
    std::int32_t partition;
    std::int64_t offset;
  };
  static constexpr unsigned outcome_batch = 16;
  std::array<outcome, outcome_batch> outcomes;
  unsigned outcomes_head = 0, outcomes_tail = 0;  // a ring: settling may reenter (a callback that polls)

  static void on_dr(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<impl*>(opaque);
    if (rk != self->rk.get()) return;  // from a producer being replaced after a fatal error
    const auto i = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(m->_private));
    if (i >= self->slots.size()) return;
    if (self->outcomes_tail - self->outcomes_head == outcome_batch) self->settle_outcomes();
    prefetch(&self->slots[i]);
    self->outcomes[self->outcomes_tail++ % outcome_batch] = {i, m->err, m->partition, m->offset};
  }

  void settle_outcomes() {
    while (outcomes_head != outcomes_tail) settle(outcomes[outcomes_head++ % outcome_batch]);
  }

  void settle(const outcome o) {
    slot& s = slots[o.slot];
    s.held = false;                        // librdkafka is done with its bytes once it reported it
    if (s.st == slot::state::abandoned) {  // already reported failed by close()
      release(o.slot);
      return;
    }
    if (s.st != slot::state::live) return;
    if (o.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      report(s, o.partition, o.offset, std::nullopt);
      --live;
      release(o.slot);  // by index: the callback may have produced and grown the slab
      return;
    }
    char reason[256];
    const bool fatal = o.err == RD_KAFKA_RESP_ERR__FATAL ||
                       rd_kafka_fatal_error(rk.get(), reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR;
    if (fatal && recoverable()) return;  // kept: the recreated producer sends it again
    const std::string& topic = topics[s.topic].name;
    // A permanent refusal (too large, not authorized) is reported as such, not as retriable.
    error why = rdk::error_of(o.err).to_error("delivery to " + topic + " failed");
    if (closing && (o.err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || o.err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)) {
      why = error{errc::unavailable, "delivery to " + topic + " failed: not delivered before shutdown (" +
                                         detail::err_text(o.err) + ")"};
    }
    fail_message(o.slot, o.partition, std::move(why));
  }

  // Serves librdkafka's callbacks for up to ms, and settles the delivery reports it noted.
  void serve(int ms) {
    rd_kafka_poll(rk.get(), ms);
    settle_outcomes();
  }

  static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* self = static_cast<impl*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) self->log(std::string("producer: fatal error: ") + reason);
  }

  // --- librdkafka ---------------------------------------------------------------------------------

  detail::kafka_ptr make() {
    auto conf = detail::make_conf(props);
    if (!conf) throw config_error(conf.error().message);
    rd_kafka_conf_set_dr_msg_cb(conf->get(), &impl::on_dr);
    rd_kafka_conf_set_error_cb(conf->get(), &impl::on_error);
    rd_kafka_conf_set_opaque(conf->get(), this);
    auto h = detail::make_handle(RD_KAFKA_PRODUCER, std::move(*conf));
    if (!h) throw config_error(h.error().message);
    return std::move(*h);
  }

  bool is_fatal() const {
    char reason[8];
    return rk && rd_kafka_fatal_error(rk.get(), reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR;
  }

  rd_kafka_resp_err_t send(std::uint32_t i) {
    slot& m = slots[i];
    topic_handle& t = topics[m.topic];
    if (t.rkt == nullptr && (t.rkt = rd_kafka_topic_new(rk.get(), t.name.c_str(), nullptr)) == nullptr) {
      return RD_KAFKA_RESP_ERR__INVALID_ARG;
    }
    const int flags = m.value_size <= copied_value_max ? RD_KAFKA_MSG_F_COPY : 0;
    const std::int32_t partition = m.partition < 0 ? RD_KAFKA_PARTITION_UA : m.partition;
    void* const opaque = reinterpret_cast<void*>(static_cast<std::uintptr_t>(i));
    rd_kafka_resp_err_t err;
    if (!m.headers || m.headers->empty()) {
      // rd_kafka_produce is rd_kafka_producev without parsing a variable argument list into a message
      // template it first clears: a few hundred instructions less per message.
      const int rc =
          rd_kafka_produce(t.rkt, partition, flags, m.value(), m.value_size, m.key(), m.key_size, opaque);
      err = rc == 0 ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_last_error();
    } else {
      rd_kafka_headers_t* hdrs = rd_kafka_headers_new(m.headers->size());
      for (const auto& h : *m.headers) {
        if (rd_kafka_resp_err_t added =
                rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                                    static_cast<ssize_t>(h.value.size()))) {
          rd_kafka_headers_destroy(hdrs);
          return added;
        }
      }
      err = rd_kafka_producev(rk.get(), RD_KAFKA_V_RKT(t.rkt), RD_KAFKA_V_PARTITION(partition),
                              RD_KAFKA_V_MSGFLAGS(flags), RD_KAFKA_V_KEY(m.key(), m.key_size),
                              RD_KAFKA_V_VALUE(m.value(), m.value_size), RD_KAFKA_V_HEADERS(hdrs),
                              RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_headers_destroy(hdrs);  // not taken
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      m.held = flags == 0;
      m.sent_by = generation;
    }
    return err;
  }

  // Replaces a producer that raised a fatal error; every message without an outcome is sent again by the
  // new one, in its original order (the old session may have persisted some: duplicates across sessions
  // are possible, loss is not).
  void recover() {
    char reason[512] = "";
    const rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk.get(), reason, sizeof reason);
    log("producer: fatal error " + std::string(rd_kafka_err2name(fatal)) + ": " + reason +
        "; recreating the producer, " + std::to_string(live) +
        " message(s) without an outcome will be sent again");
    if (rd_kafka_resp_err_t purged =
            rd_kafka_purge(rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)) {
      log("producer: purging the failed producer: " + detail::err_text(purged));  // its handle goes anyway
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    settle_outcomes();  // noted before a callback that is being settled ran into the fatal error
    while (rd_kafka_outq_len(rk.get()) > 0 && std::chrono::steady_clock::now() < deadline) serve(50);
    drop_topic_handles();
    rk.reset();  // from here on nothing refers to any slot's bytes
    release_abandoned();
    rk = make();
    ++generation;
    bump(recoveries);
    for (const std::uint32_t i : live_in_order()) {
      // Skipped when reported while an earlier one was resent, or already sent by this rk: produced
      // by a callback meanwhile (maybe into a slot freed here), or resent by a recovery within one.
      if (slots[i].st != slot::state::live || slots[i].sent_by == generation) continue;
      if (++slots[i].sessions > config.max_recoveries) {
        fail_message(
            i, slots[i].partition,
            error{errc::internal, "delivery to " + topics[slots[i].topic].name +
                                      " failed: producer recreated " + std::to_string(config.max_recoveries) +
                                      " time(s) after fatal errors (" + reason + ")"});
        continue;
      }
      rd_kafka_resp_err_t err;
      while ((err = send(i)) == RD_KAFKA_RESP_ERR__QUEUE_FULL) serve(50);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fail_message(i, slots[i].partition,
                     rdk::error_of(err).to_error("resending to " + topics[slots[i].topic].name));
        continue;
      }
      bump(resent);
    }
  }

  void poll(int ms) {
    since_poll = 0;
    serve(ms);
    if (recoverable() && is_fatal()) recover();
    trim();
  }

  result<void> produce(std::string_view topic, std::span<const std::uint8_t> key,
                       std::span<const std::uint8_t> value, const std::vector<header>& headers,
                       std::uint64_t token, std::int32_t partition) {
    const std::uint32_t t = topic_index(topic);
    if (t == no_topic) {
      return fail(errc::invalid_argument, "producing to " + std::string(topic) + ": " +
                                              detail::err_text(RD_KAFKA_RESP_ERR__INVALID_ARG));
    }
    if (key.size() + value.size() > std::numeric_limits<std::uint32_t>::max()) {
      return fail(errc::invalid_argument, "producing to " + std::string(topic) + ": " +
                                              detail::err_text(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE));
    }
    const std::uint32_t i = acquire();
    {
      slot& m = slots[i];
      m.store(key, value);
      m.store(headers);
      m.seq = next_seq++;
      m.token = token;
      m.topic = t;
      m.partition = partition;
      m.sessions = 0;
      m.st = slot::state::pending;  // not resent by a recovery until accepted
      ++pending;
    }
    std::optional<std::chrono::steady_clock::time_point> deadline;  // only when the queue is full
    std::uint64_t outcomes_seen = 0;
    int recovered_here = 0;
    for (;;) {
      const rd_kafka_resp_err_t err = send(i);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        slots[i].st = slot::state::live;
        --pending;
        ++live;
        bump(produced);
        if (++since_poll >= poll_every) poll(0);
        prefetch_next_slots();
        return {};
      }
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        // Backpressure: wait for outcomes to make room. Every queued message gets one within the delivery
        // timeout (one in flight when its request times out; librdkafka looks at timeouts once a second),
        // so the wait gives up only when no message got an outcome for that long: librdkafka is stuck.
        const std::uint64_t reported =
            delivered.load(std::memory_order_relaxed) + failed.load(std::memory_order_relaxed);
        if (!deadline || reported != outcomes_seen) {
          outcomes_seen = reported;
          deadline = std::chrono::steady_clock::now() + queue_full_wait;
        }
        if (queue_full_wait.count() == 0 || std::chrono::steady_clock::now() < *deadline) {
          poll(50);
          continue;
        }
      }
      if (err == RD_KAFKA_RESP_ERR__FATAL) {
        if (recoverable() && recovered_here++ < config.max_recoveries) {
          recover();
          continue;
        }
        release(i);
        char reason[512];
        rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk.get(), reason, sizeof reason);
        return fail(errc::internal,
                    "fatal producer error " + std::string(rd_kafka_err2name(fatal)) + ": " + reason);
      }
      release(i);
      return tl::unexpected(rdk::error_of(err).to_error("producing to " + std::string(topic)));
    }
  }
};

producer::producer(producer_config config, delivery_callback on_delivery) : impl_(std::make_unique<impl>()) {
  if (config.bootstrap_servers.empty()) throw config_error("producer: bootstrap servers are empty");
  if (config.retries < 0) throw config_error("producer: retries must be >= 0");
  if (config.max_recoveries < 0) throw config_error("producer: max_recoveries must be >= 0");
  properties props{
      {keys::bootstrap_servers, config.bootstrap_servers},
      {keys::retries, std::to_string(config.retries)},
      {keys::retry_backoff_ms, std::to_string(config.retry_backoff.count())},
      {keys::delivery_timeout_ms, std::to_string(config.delivery_timeout.count())},
      {keys::enable_idempotence, config.idempotent ? "true" : "false"},
      {keys::acks, "all"},
      {"linger.ms", "5"},
  };
  for (const auto& [k, v] : config.extra) props[k] = v;
  if (!config.transactional_id.empty()) {
    props["transactional.id"] = config.transactional_id;
    props[keys::enable_idempotence] = "true";
    config.max_recoveries = 0;  // a recreated producer would have lost the open transaction
  }
  // A delivery timeout given as a property (delivery.timeout.ms or its alias message.timeout.ms) is the
  // one in force: the queue-full wait is bounded by it too.
  const auto millis_of = [&](std::initializer_list<const char*> names, std::chrono::milliseconds fallback) {
    for (const char* name : names) {
      auto it = config.extra.find(name);
      if (it == config.extra.end()) continue;
      try {
        return std::chrono::milliseconds(std::stoll(it->second));
      } catch (const std::exception&) {
        throw config_error("producer: " + std::string(name) + " is not a number of milliseconds: '" +
                           it->second + "'");
      }
    }
    return fallback;
  };
  config.delivery_timeout =
      millis_of({keys::delivery_timeout_ms, "message.timeout.ms"}, config.delivery_timeout);
  const auto request_timeout =
      millis_of({"request.timeout.ms"}, std::chrono::milliseconds(30000));  // librdkafka's default
  if (config.delivery_timeout.count() > 0) {
    impl_->queue_full_wait = config.delivery_timeout + request_timeout + std::chrono::seconds(1);
  }
  impl_->props = std::move(props);
  impl_->config = std::move(config);
  impl_->on_delivery = std::move(on_delivery);
  impl_->rk = impl_->make();
}

producer::~producer() {
  if (impl_ && impl_->rk) close(std::chrono::seconds(10));
}

result<void> producer::produce(std::string_view topic, std::span<const std::uint8_t> key,
                               std::span<const std::uint8_t> value, const std::vector<header>& headers,
                               std::uint64_t token, std::int32_t partition) {
  return impl_->produce(topic, key, value, headers, token, partition);
}

void producer::poll(std::chrono::milliseconds timeout) {
  impl_->poll(static_cast<int>(timeout.count()));
}

result<void> producer::flush(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl_->live != 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    rd_kafka_flush(impl_->rk.get(), static_cast<int>(std::min<std::int64_t>(left.count(), 100)));
    impl_->poll(0);  // settles what the flush noted
  }
  if (impl_->live != 0) {
    return fail(errc::unavailable, std::to_string(impl_->live) + " message(s) not delivered within " +
                                       std::to_string(timeout.count()) + " ms");
  }
  return {};
}

std::size_t producer::close(std::chrono::milliseconds timeout) {
  (void)flush(timeout);
  const std::size_t left = impl_->live;
  if (left == 0) return 0;
  impl_->closing = true;
  if (rd_kafka_resp_err_t purged =
          rd_kafka_purge(impl_->rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)) {
    impl_->log("producer: purging at close: " + detail::err_text(purged));  // what is left is reported below
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (impl_->live != 0 && std::chrono::steady_clock::now() < deadline) impl_->serve(50);
  // Whatever librdkafka did not report is reported here: every message gets its one outcome. A message
  // librdkafka still holds keeps its bytes until librdkafka reports it or the rk is destroyed.
  for (const std::uint32_t i : impl_->live_in_order()) {
    const auto& m = impl_->slots[i];
    if (m.st != impl::slot::state::live) continue;
    const std::string& topic = impl_->topics[m.topic].name;
    impl_->fail_message(
        i, m.partition,
        error{errc::unavailable, "delivery to " + topic + " failed: not delivered before shutdown"});
  }
  impl_->closing = false;
  return left;
}

void producer_test_access::inject_fatal_error(producer& p, const std::string& reason) {
  if (rd_kafka_resp_err_t err = rd_kafka_test_fatal_error(
          p.impl_->rk.get(), RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, reason.c_str())) {
    throw std::logic_error("producer_test_access: no fatal error raised: " + detail::err_text(err));
  }
}

namespace {

txn_result txn_outcome(rd_kafka_error_t* e) {
  if (e == nullptr) return {};
  return tl::unexpected(rdk::error_of(e));
}

}  // namespace

txn_result producer::init_transactions(std::chrono::milliseconds timeout) {
  return txn_outcome(rd_kafka_init_transactions(impl_->rk.get(), static_cast<int>(timeout.count())));
}

txn_result producer::begin_transaction() {
  return txn_outcome(rd_kafka_begin_transaction(impl_->rk.get()));
}

txn_result producer::send_offsets_to_transaction(const std::vector<partition_offset>& offsets,
                                                 std::span<const std::uint8_t> group_metadata,
                                                 std::chrono::milliseconds timeout) {
  rd_kafka_consumer_group_metadata_t* cgmd = nullptr;
  if (rd_kafka_error_t* e =
          rd_kafka_consumer_group_metadata_read(&cgmd, group_metadata.data(), group_metadata.size())) {
    return txn_outcome(e);
  }
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const auto& o : offsets)
    rd_kafka_topic_partition_list_add(list, o.topic.c_str(), o.partition)->offset = o.offset;
  rd_kafka_error_t* e =
      rd_kafka_send_offsets_to_transaction(impl_->rk.get(), list, cgmd, static_cast<int>(timeout.count()));
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_consumer_group_metadata_destroy(cgmd);
  return txn_outcome(e);
}

txn_result producer::commit_transaction(std::chrono::milliseconds timeout) {
  auto out = txn_outcome(rd_kafka_commit_transaction(impl_->rk.get(), static_cast<int>(timeout.count())));
  impl_->poll(0);  // settles the delivery reports the commit's flush noted
  return out;
}

txn_result producer::abort_transaction(std::chrono::milliseconds timeout) {
  auto out = txn_outcome(rd_kafka_abort_transaction(impl_->rk.get(), static_cast<int>(timeout.count())));
  // The purged messages' reports arrive on the next polls: every message gets its outcome here.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    impl_->poll(out ? 50 : 0);
  } while (out && impl_->live != 0 && std::chrono::steady_clock::now() < deadline);
  return out;
}

std::size_t producer::in_flight() const {
  return impl_->live;
}

producer_counts producer::counts() const {
  return {impl_->produced.load(), impl_->delivered.load(), impl_->failed.load(), impl_->recoveries.load(),
          impl_->resent.load()};
}

}  // namespace kavro::kafka
