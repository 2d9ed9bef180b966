// Static interleaved rANS for order-0 byte streams: encoder and decoder together (tests, tools).
// Decoders include only "entropy/rans_static_decode.h". Format: "entropy/rans_static_format.h".
#pragma once

#include "entropy/rans_static_decode.h"  // IWYU pragma: export
#include "entropy/rans_static_encode.h"  // IWYU pragma: export
#include "entropy/rans_static_format.h"  // IWYU pragma: export
