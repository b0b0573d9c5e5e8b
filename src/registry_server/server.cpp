// The registry server's route table and lifecycle: cpp-httplib on a background thread in front of
// the handlers and an in-memory store.
#include "kavro/registry_server/server.hpp"

#include <httplib.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string_view>
#include <thread>

#include "handlers.hpp"

namespace kavro::registry_server {
namespace {

constexpr const char* content_type = "application/vnd.schemaregistry.v1+json";

void send(httplib::Response& res, const response& r) {
  res.status = r.status;
  res.set_content(r.body, content_type);
}

// Confluent accepts its own media types and plain JSON; a missing Content-Type is taken as JSON.
bool acceptable_body_type(const httplib::Request& req) {
  if (!req.has_header("Content-Type")) return true;
  const std::string header = req.get_header_value("Content-Type");
  std::string_view type = header;
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  constexpr std::array<std::string_view, 3> accepted{
      "application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json", "application/json"};
  for (auto a : accepted) {
    if (type.size() == a.size() && std::equal(type.begin(), type.end(), a.begin(), [](char x, char y) {
          return std::tolower(static_cast<unsigned char>(x)) == y;
        })) {
      return true;
    }
  }
  return false;
}

}  // namespace

struct server::impl {
  server_config config;
  std::unique_ptr<store> data = make_memory_store();
  handlers api{*data};
  httplib::Server http;
  std::thread listener;
  std::mutex mutex;  // guards listener, finished
  std::condition_variable finished_cv;
  bool finished = false;

  explicit impl(server_config c) : config(std::move(c)) { add_routes(); }

  void add_routes() {
    http.Get("/", [this](const httplib::Request&, httplib::Response& res) { send(res, api.root()); });
    http.Get("/config",
             [this](const httplib::Request&, httplib::Response& res) { send(res, api.get_config()); });
    http.Get("/subjects",
             [this](const httplib::Request&, httplib::Response& res) { send(res, api.subjects()); });
    http.Get(R"(/subjects/(.+)/versions)", [this](const httplib::Request& req, httplib::Response& res) {
      send(res, api.versions(req.matches[1]));
    });
    http.Get(R"(/subjects/(.+)/versions/([^/]+))",
             [this](const httplib::Request& req, httplib::Response& res) {
               send(res, api.get_version(req.matches[1], req.matches[2]));
             });
    http.Get(R"(/schemas/ids/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      send(res, api.schema_by_id(req.matches[1]));
    });
    // The /versions route must come first: httplib takes the first pattern that matches.
    http.Post(R"(/subjects/(.+)/versions)", [this](const httplib::Request& req, httplib::Response& res) {
      if (!acceptable_body_type(req))
        return send(res, error_response(make_error(error_code::unsupported_media_type)));
      send(res, api.register_schema(req.matches[1], req.body));
    });
    http.Post(R"(/subjects/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      if (!acceptable_body_type(req))
        return send(res, error_response(make_error(error_code::unsupported_media_type)));
      send(res, api.lookup_schema(req.matches[1], req.body));
    });
    // Unmatched routes reach here with an empty body; handler errors already carry theirs.
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      send(res, error_response(make_error(error_code::not_found)));
      res.status = 404;
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      send(res, error_response(make_error(error_code::internal_server_error)));
    });
  }
};

server::server(server_config config) : impl_(std::make_unique<impl>(std::move(config))) {}

server::~server() {
  stop();
}

result<std::uint16_t> server::start() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->listener.joinable()) return fail(errc::invalid_argument, "registry server already started");
  int port = impl_->config.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(impl_->config.host);
  } else if (!impl_->http.bind_to_port(impl_->config.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return fail(errc::unavailable, "registry server: cannot bind " + impl_->config.host + ":" +
                                       std::to_string(impl_->config.port));
  }
  impl_->finished = false;
  impl_->listener = std::thread([this] {
    impl_->http.listen_after_bind();
    std::lock_guard done(impl_->mutex);
    impl_->finished = true;
    impl_->finished_cv.notify_all();
  });
  // httplib's stop() does nothing until the accept loop runs, so don't hand out a server that could
  // not be stopped.
  while (!impl_->http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return static_cast<std::uint16_t>(port);
}

void server::stop() {
  std::thread listener;
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->listener.joinable()) return;
    listener = std::move(impl_->listener);
  }
  impl_->http.stop();
  listener.join();
}

void server::wait() {
  std::unique_lock lock(impl_->mutex);
  impl_->finished_cv.wait(lock, [this] { return impl_->finished || !impl_->listener.joinable(); });
}

}  // namespace kavro::registry_server
