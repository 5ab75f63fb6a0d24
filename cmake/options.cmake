# Compile options shared by every otpcpp target, carried by an interface target
# rather than directory-wide flags so that consumers are never affected.
add_library(otpcpp_options INTERFACE)
target_compile_features(otpcpp_options INTERFACE cxx_std_20)
target_compile_options(otpcpp_options INTERFACE
    $<BUILD_INTERFACE:-Wall -Wextra -Wpedantic -Werror>)

if(OTPCPP_SANITIZE)
    set(_otpcpp_san "")
    foreach(s IN LISTS OTPCPP_SANITIZE)
        if(NOT s MATCHES "^(address|undefined|thread|leak)$")
            message(FATAL_ERROR "OTPCPP_SANITIZE: unknown sanitizer '${s}'")
        endif()
        list(APPEND _otpcpp_san "${s}")
    endforeach()
    list(JOIN _otpcpp_san "," _otpcpp_san_csv)
    target_compile_options(otpcpp_options INTERFACE
        $<BUILD_INTERFACE:-fsanitize=${_otpcpp_san_csv} -fno-omit-frame-pointer -fno-sanitize-recover=all>)
    target_link_options(otpcpp_options INTERFACE $<BUILD_INTERFACE:-fsanitize=${_otpcpp_san_csv}>)
    # Sanitizer instrumentation makes GCC's flow analysis report uninitialised values
    # inside Boost.Multiprecision that do not exist; keep the rest of -Werror.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        target_compile_options(otpcpp_options INTERFACE
            $<BUILD_INTERFACE:-Wno-maybe-uninitialized>)
        # GCC warns that TSan does not model the fences Boost.Asio uses; the fences
        # are paired with atomics TSan does see.
        if("thread" IN_LIST OTPCPP_SANITIZE)
            target_compile_options(otpcpp_options INTERFACE $<BUILD_INTERFACE:-Wno-tsan>)
        endif()
    endif()
endif()
install(TARGETS otpcpp_options EXPORT otpcppTargets)
