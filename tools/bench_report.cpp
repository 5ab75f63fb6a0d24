// The JSON line of `otpcpp bench` and the helpers its workloads share.
#include "bench_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace otp::cli::bench {

void report::add(std::string key, double value, int decimals) {
    char buf[64];
    if (!std::isfinite(value)) value = 0;
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    fields.emplace_back(std::move(key), buf);
}

void report::add_int(std::string key, long long value) {
    fields.emplace_back(std::move(key), std::to_string(value));
}

void report::add_str(std::string key, std::string_view value) {
    fields.emplace_back(std::move(key), json_string(value));
}

std::string report::json() const {
    // Built with append() only: gcc 12 at -O3 flags `"literal" + std::string` chains
    // with a false -Wrestrict.
    char secs_buf[64];
    std::snprintf(secs_buf, sizeof secs_buf, "%.3f", std::isfinite(secs) ? secs : 0.0);
    std::string out;
    out.reserve(256);
    out.append("{\"impl\":").append(json_string(impl));
    out.append(",\"workload\":").append(json_string(workload));
    out.append(",\"n\":").append(std::to_string(n));
    out.append(",\"ok\":").append(ok ? "true" : "false");
    out.append(",\"secs\":").append(secs_buf);
    for (const auto& [k, v] : fields)
        out.append(",").append(json_string(k)).append(":").append(v);
    if (!error.empty()) out.append(",\"error\":").append(json_string(error));
    out.append("}");
    return out;
}

double percentile(std::vector<double>& values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto count = static_cast<long>(values.size());
    long k = std::lround(p * static_cast<double>(count));
    k = std::clamp(k, 1L, count);
    return values[static_cast<std::size_t>(k - 1)];
}

std::vector<std::uint8_t> payload_pattern(std::size_t size) {
    std::vector<std::uint8_t> p(size);
    for (std::size_t i = 0; i < size; ++i)
        p[i] = static_cast<std::uint8_t>(i & 255);
    return p;
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

}  // namespace otp::cli::bench
