// The dead-letter headers moved to the pipeline module (kavro/pipeline/dead_letter.hpp, with the codec
// that writes and reads them); these names keep code written against kavro::kafka compiling.
#pragma once

#include "kavro/pipeline/dead_letter.hpp"

namespace kavro::kafka {

namespace dlq = pipeline::dlq;
using pipeline::dead_letter_headers;

}  // namespace kavro::kafka
