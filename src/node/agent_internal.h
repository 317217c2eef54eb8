// StartAgent with the probe and hook runner injected (tests give a fake one). Private to
// src/node.
#pragma once

#include <memory>

#include "node/node.h"
#include "node/prober.h"

namespace cubelet::node {

base::Result<std::unique_ptr<Agent>> StartAgentWith(AgentOptions options,
                                                    std::unique_ptr<HandlerRunner> handlers);

}  // namespace cubelet::node
