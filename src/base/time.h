// RFC 3339 timestamps as Kubernetes writes them ("2024-01-01T00:00:00Z") and Go-syntax
// durations ("1m30s", "300ms"), the two time formats of the API and of kubelet messages.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace cubelet::base {

// UTC with a 'Z' suffix and exactly `fraction_digits` (0..9) fractional digits:
// 0 → "2024-01-01T00:00:00Z" (metav1.Time), 6 → "...00.000000Z" (metav1.MicroTime).
std::string FormatRfc3339(TimePoint t, int fraction_digits = 0);

// Accepts RFC 3339 with any fraction length and a 'Z'/'z' or ±hh:mm offset, like Go's
// time.RFC3339 parser does.
Result<TimePoint> ParseRfc3339(std::string_view text);

// Go's time.ParseDuration: a signed sequence of decimal numbers with units
// ns, us (µs), ms, s, m, h, e.g. "300ms", "-1.5h", "2h45m". "0" is accepted without a unit.
Result<Duration> ParseGoDuration(std::string_view text);

// Go's Duration.String(): "0s", "1.5s", "1m20s", "5m0s", "2h0m0s", "300ms", "1µs".
// The kubelet prints back-off delays this way ("back-off 1m20s restarting failed container").
std::string FormatGoDuration(Duration d);

// Kubernetes' HumanDuration as kubectl prints AGE: "5s", "2m30s", "45m", "5h3m", "3d4h", "2y".
std::string HumanDuration(Duration d);

}  // namespace cubelet::base
