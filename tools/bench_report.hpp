// What `otpcpp bench` reports: one JSON object on one line, in the format of
// ../shared/bench/README.md ("impl", "workload", "n", "ok", "secs", then the
// workload's metrics), plus the small helpers every workload shares (timing,
// percentiles, the payload pattern).
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otp::cli::bench {

/// The outcome of one benchmark run.
struct report {
    std::string impl = "otpcpp";
    std::string workload;
    long n = 0;
    bool ok = false;
    double secs = 0;
    /// The workload's metrics in output order; values are JSON already (numbers).
    std::vector<std::pair<std::string, std::string>> fields;
    /// Why the run failed (empty when it did not).
    std::string error;

    /// Appends a numeric metric, printed with `decimals` digits after the point.
    void add(std::string key, double value, int decimals = 1);
    /// Appends an integer metric.
    void add_int(std::string key, long long value);
    /// Appends a string field (escaped).
    void add_str(std::string key, std::string_view value);
    /// The JSON object on one line, without the newline.
    std::string json() const;
};

/// Thrown by a workload when the run cannot go on (no reply in time, an unexpected
/// message, a refused connection). The command turns it into `"ok":false`.
class run_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A monotonic stopwatch started at construction.
class stopwatch {
  public:
    stopwatch() noexcept : t0_(std::chrono::steady_clock::now()) {}
    /// Seconds since construction.
    double secs() const noexcept {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    }

  private:
    std::chrono::steady_clock::time_point t0_;
};

/// The p-th percentile as the harness defines it: the round(p*N)-th smallest value,
/// 1-based, clamped to 1..N. Sorts `values`; 0 for an empty vector.
double percentile(std::vector<double>& values, double p);

/// The harness's payload: bytes 0, 1, ..., 255, 0, 1, ... of the given size.
std::vector<std::uint8_t> payload_pattern(std::size_t size);

/// JSON string escaping (quotes included).
std::string json_string(std::string_view s);

}  // namespace otp::cli::bench
