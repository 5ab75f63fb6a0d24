// Random numbers for what must not be guessed (see random.hpp).
#include "node/random.hpp"

#include <pthread.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <random>

#include <openssl/rand.h>

namespace otp::node_detail {

namespace {

// OpenSSL's generator costs microseconds per call (locks, reseed and fork checks),
// about a tenth of a dial's own work in user space: hence the pools.
std::atomic<unsigned> fork_generation{0};

}  // namespace

std::uint32_t random_u32() {
    static const bool watched = [] {
        return ::pthread_atfork(nullptr, nullptr, [] { ++fork_generation; }) == 0;
    }();
    thread_local std::array<std::uint32_t, 64> pool{};
    thread_local std::size_t left = 0;
    thread_local unsigned generation = 0;
    const unsigned now = fork_generation.load(std::memory_order_relaxed);
    if (left == 0 || generation != now || !watched) {
        if (RAND_bytes(reinterpret_cast<unsigned char*>(pool.data()), sizeof pool) != 1) {
            std::random_device device;
            for (auto& v : pool)
                v = device();
        }
        left = pool.size();
        generation = now;
    }
    return pool[--left];
}

}  // namespace otp::node_detail
