// The pipeline consumer moved to the pipeline module (kavro/pipeline/consumer.hpp); these names keep
// code written against kavro::kafka compiling. Link kavro::pipeline.
#pragma once

#include "kavro/kafka/dead_letter.hpp"
#include "kavro/pipeline/consumer.hpp"

namespace kavro::kafka {

using pipeline::commit_batching;
using pipeline::consumed_message;
using pipeline::consumer_config;
using pipeline::consumer_counts;
using pipeline::failure_kind;
using pipeline::handler_error;
using pipeline::message_handler;
using pipeline::pipeline_consumer;
using pipeline::retry_policy;
using pipeline::run_options;

}  // namespace kavro::kafka
