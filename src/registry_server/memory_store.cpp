// The in-memory storage: the change log is applied at once and kept nowhere else.
#include <mutex>

#include "storage.hpp"

namespace kavro::registry_server {
namespace {

class memory_storage final : public storage {
 public:
  explicit memory_storage(shared_state& s) : state_(s) {}

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

std::unique_ptr<storage> make_memory_storage(shared_state& state) {
  return std::make_unique<memory_storage>(state);
}

}  // namespace kavro::registry_server
