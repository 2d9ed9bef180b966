// `kolmo llm ...`: the transformer runtime's command line (eval, capture, generate, speed),
// parsed by its own CLI11 app.
#pragma once

namespace kolmo::cli {
// argv[0] is "llm". Returns the process exit status.
int llm_main(int argc, char** argv);
}  // namespace kolmo::cli
