// The consumer's table of the partitions it is assigned: one state object per (topic, partition), found
// without building a string per message, and retired rather than freed when the partition goes away.
#pragma once

#include <cassert>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kavro::pipeline {

// State is the per-partition record; it has `std::string topic`, `std::int32_t partition` and
// `bool live`.
//
// Lifetime invariant: a State& taken from the table stays valid until the next release_retired(), even
// if the partition is retired meanwhile (a rebalance served by the poll keeper during a handler call
// revokes it). Retiring sets `live` to false — the holder of the reference sees the partition is gone
// and lets its message go — and parks the object; release_retired() frees parked objects and must be
// called only where no reference is held (the consumer's step start). Debug builds assert that through
// pin(): release_retired() while a pin is held is a bug.
template <class State>
class partition_table {
 public:
  using key = std::pair<std::string, std::int32_t>;
  struct key_less {  // heterogeneous: found by string_view, no std::string per message
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      const std::string_view at(a.first), bt(b.first);
      return at != bt ? at < bt : a.second < b.second;
    }
  };
  using map = std::map<key, std::unique_ptr<State>, key_less>;
  using iterator = typename map::iterator;

  // A fresh state for a newly assigned partition; an existing one of the same key is retired first.
  State& assign(const std::string& topic, std::int32_t partition) {
    if (auto old = parts_.find(std::pair<std::string_view, std::int32_t>(topic, partition));
        old != parts_.end()) {
      retire(old);
    }
    auto s = std::make_unique<State>();
    s->topic = topic;
    s->partition = partition;
    State& out = *s;
    parts_.emplace(key{topic, partition}, std::move(s));
    return out;
  }

  State* find(std::string_view topic, std::int32_t partition) {
    auto it = parts_.find(std::pair<std::string_view, std::int32_t>(topic, partition));
    return it == parts_.end() ? nullptr : it->second.get();
  }

  // find() remembering the last hit by an opaque handle (librdkafka's topic handle): consecutive messages
  // mostly come from the same partition. The name is asked only on a miss.
  template <class NameOf>
  State* find_cached(const void* handle, std::int32_t partition, NameOf&& name_of) {
    if (handle == last_handle_ && partition == last_partition_ && last_ != nullptr) return last_;
    State* s = find(name_of(), partition);
    if (s == nullptr) return nullptr;
    last_handle_ = handle;
    last_partition_ = partition;
    last_ = s;
    return s;
  }

  // Takes the partition out of the table (see the lifetime invariant); returns the next entry.
  iterator retire(iterator it) {
    it->second->live = false;
    retired_.push_back(std::move(it->second));
    last_ = nullptr;
    return parts_.erase(it);
  }
  bool retire(std::string_view topic, std::int32_t partition) {
    auto it = parts_.find(std::pair<std::string_view, std::int32_t>(topic, partition));
    if (it == parts_.end()) return false;
    retire(it);
    return true;
  }

  // Frees retired states; only where no State& is held.
  void release_retired() {
    assert(pins_ == 0 && "partition_table: retired states freed while a reference is pinned");
    retired_.clear();
  }

  // While a pin lives, release_retired() is a bug (debug builds assert it).
  class pin_guard {
   public:
    explicit pin_guard(partition_table& t) : t_(t) { ++t_.pins_; }
    ~pin_guard() { --t_.pins_; }
    pin_guard(const pin_guard&) = delete;
    pin_guard& operator=(const pin_guard&) = delete;

   private:
    partition_table& t_;
  };
  pin_guard pin() { return pin_guard(*this); }

  // Drops everything, retired states included (the consumer has stopped).
  void clear() {
    last_ = nullptr;
    parts_.clear();
    release_retired();
  }

  std::size_t size() const { return parts_.size(); }
  bool empty() const { return parts_.empty(); }
  std::size_t retired_count() const { return retired_.size(); }
  iterator begin() { return parts_.begin(); }
  iterator end() { return parts_.end(); }
  auto begin() const { return parts_.cbegin(); }
  auto end() const { return parts_.cend(); }

 private:
  map parts_;
  std::vector<std::unique_ptr<State>> retired_;
  const void* last_handle_ = nullptr;
  std::int32_t last_partition_ = -1;
  State* last_ = nullptr;
  int pins_ = 0;
};

}  // namespace kavro::pipeline
