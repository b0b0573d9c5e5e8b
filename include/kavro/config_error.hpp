// The one exception kavro's constructors throw for a configuration they refuse (a bad property, a missing
// setting, an impossible combination). Data paths return kavro::result instead.
#pragma once

#include <stdexcept>
#include <string>

namespace kavro {

// A std::invalid_argument, so code that caught that before still catches it.
class config_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

}  // namespace kavro
