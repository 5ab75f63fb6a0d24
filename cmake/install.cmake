# Installs the library, headers and an otpcppConfig.cmake so that consumers can
# find_package(otpcpp CONFIG REQUIRED) and link otpcpp::otpcpp.
include(CMakePackageConfigHelpers)
set(OTPCPP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/otpcpp)

install(DIRECTORY include/otp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT otpcppTargets NAMESPACE otpcpp:: DESTINATION ${OTPCPP_CMAKE_DIR})
configure_package_config_file(cmake/otpcppConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/otpcppConfig.cmake INSTALL_DESTINATION ${OTPCPP_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/otpcppConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/otpcppConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/otpcppConfigVersion.cmake
        DESTINATION ${OTPCPP_CMAKE_DIR})
