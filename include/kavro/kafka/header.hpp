// A Kafka record header as kavro passes it: a name and a value of any bytes.
#pragma once

#include <string>

namespace kavro::kafka {

struct header {
  std::string name;
  std::string value;
};

}  // namespace kavro::kafka
