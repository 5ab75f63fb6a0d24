// The handshake digest.
#include "handshake/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace otp::handshake {

namespace {

// OpenSSL 3 looks EVP_md5() up among its providers on every use (locks, a property
// query): a third of what a digest cost. Fetched once, kept for the process.
const EVP_MD* md5() {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "MD5", nullptr);
    return md;
}

}  // namespace

digest make_digest(std::uint32_t challenge, std::string_view cookie) {
    const std::string decimal = std::to_string(challenge);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    digest out{};
    unsigned int len = 0;
    if (!ctx || md5() == nullptr || EVP_DigestInit_ex(ctx.get(), md5(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), cookie.data(), cookie.size()) != 1 ||
        EVP_DigestUpdate(ctx.get(), decimal.data(), decimal.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size())
        throw std::runtime_error("otpcpp: OpenSSL MD5 digest failed");
    return out;
}

bool digests_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace otp::handshake
