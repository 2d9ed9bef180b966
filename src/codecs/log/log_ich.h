// Logzip's template extraction, the iterative clustering hierarchy (ICH): sample the lines not
// yet matched, cluster the sample hierarchically (token count, first token, then the most
// frequent tokens), take each cluster's common tokens as a template, match every unmatched line
// against the new templates, and repeat on the lines still unmatched.
#pragma once

#include "codecs/log/log_parse.h"

namespace kolmo::logc {

// Fills log.templates and sets log.ids of the tokenized lines (kIdRawContent lines whose tokens
// are in log.tokens) to their template.
void mine_ich(ParsedLog& log);

}  // namespace kolmo::logc
