// Canonical Huffman: encoder and decoder together (tests, tools). Decoders include only
// "entropy/huffman_decode.h"; the format and canonical rules are in "entropy/huffman_code.h".
#pragma once

#include "entropy/huffman_code.h"    // IWYU pragma: export
#include "entropy/huffman_decode.h"  // IWYU pragma: export
#include "entropy/huffman_encode.h"  // IWYU pragma: export
