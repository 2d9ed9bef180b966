// --plot: an SVG scatter of compression ratio (y, linear) against compression speed (x, MB/s,
// log scale), one marker per codec, written by hand so that the harness needs no plotting
// library. With several files a codec's point is its total: sum of input bytes over sum of
// output bytes, and sum of input bytes over total compression time.
#pragma once

#include <string>
#include <vector>

#include "bench/measure.h"

namespace kolmo::bench {

// A complete SVG document. Each codec's point is a <circle class="marker" data-codec="...">,
// labelled beside it and listed in the legend.
std::string render_svg(const std::vector<Measurement>& rows);

}  // namespace kolmo::bench
