// The in-memory store: the change log is applied at once and kept nowhere else.
#include <mutex>

#include "store.hpp"

namespace kavro::registry_server {
namespace {

class memory_store final : public store {
 public:
  explicit memory_store(shared_state& s) : state_(s) {}

  api_result<void> append(const std::vector<record>& records) override {
    std::unique_lock lock(state_.mutex);
    for (const auto& r : records) state_.data.apply(r);
    return {};
  }
  bool ready() const override { return true; }
  api_result<void> sync() override { return {}; }

 private:
  shared_state& state_;
};

}  // namespace

std::unique_ptr<store> make_memory_store(shared_state& state) {
  return std::make_unique<memory_store>(state);
}

}  // namespace kavro::registry_server
