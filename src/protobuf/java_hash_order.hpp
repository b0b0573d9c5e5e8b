// The iteration order of a java.util.HashMap/HashSet after a sequence of insertions and removals.
// Confluent's Protobuf diff walks hash sets of names and field numbers, so the order of its messages is
// this order; reproducing it makes kavro's verbose compatibility answers match Confluent's line by line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kavro::protobuf::detail {

inline std::int32_t java_hash(const std::string& s) {
  std::uint32_t h = 0;
  for (unsigned char c : s) h = 31 * h + c;  // names are ASCII: one UTF-16 unit per byte
  return static_cast<std::int32_t>(h);
}
inline std::int32_t java_hash(int v) {
  return v;
}

template <class K>
class java_hash_set {
 public:
  // new HashMap<>() (capacity 16) or new HashMap<>(n) (the next power of two).
  explicit java_hash_set(std::size_t initial_capacity = 16) {
    std::size_t cap = 1;
    while (cap < initial_capacity) cap <<= 1;
    buckets_.resize(cap);
  }

  // new HashSet<>(collection): capacity max(size / .75 + 1, 16), then the collection's order.
  static java_hash_set copy_of(const std::vector<K>& keys) {
    std::size_t n = static_cast<std::size_t>(static_cast<float>(keys.size()) / .75f) + 1;
    java_hash_set s(n < 16 ? 16 : n);
    for (const auto& k : keys) s.insert(k);
    return s;
  }

  bool contains(const K& k) const {
    for (const auto& e : buckets_[index(k, buckets_.size())]) {
      if (e == k) return true;
    }
    return false;
  }

  void insert(const K& k) {
    auto& b = buckets_[index(k, buckets_.size())];
    for (const auto& e : b) {
      if (e == k) return;
    }
    b.push_back(k);
    ++size_;
    // A ninth entry in one bucket makes a small table grow instead of becoming a tree (treeifyBin).
    if (b.size() > 8 && buckets_.size() < 64) resize();
    if (size_ > buckets_.size() * 3 / 4) resize();
  }

  void erase(const K& k) {
    auto& b = buckets_[index(k, buckets_.size())];
    for (auto it = b.begin(); it != b.end(); ++it) {
      if (*it == k) {
        b.erase(it);
        --size_;
        return;
      }
    }
  }

  std::vector<K> keys() const {
    std::vector<K> out;
    for (const auto& b : buckets_) out.insert(out.end(), b.begin(), b.end());
    return out;
  }

 private:
  static std::size_t index(const K& k, std::size_t cap) {
    auto h = static_cast<std::uint32_t>(java_hash(k));
    h ^= h >> 16;
    return h & (cap - 1);
  }

  void resize() {
    std::vector<std::vector<K>> next(buckets_.size() * 2);
    for (const auto& b : buckets_) {
      for (const auto& k : b) next[index(k, next.size())].push_back(k);
    }
    buckets_ = std::move(next);
  }

  std::vector<std::vector<K>> buckets_;
  std::size_t size_ = 0;
};

}  // namespace kavro::protobuf::detail
