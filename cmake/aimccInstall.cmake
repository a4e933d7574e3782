# SPDX-License-Identifier: MIT
# Install rules: the aimcc command, libaimrt and libaimcc (shared and static),
# their public headers, the preset targets, pkg-config files and a CMake
# package. Everything installed is relocatable: the command finds its libraries
# through an $ORIGIN RPATH, and the .pc and CMake files locate the prefix from
# their own folder, so `cmake --install BUILD --prefix P` works for any P.
# The installed libaimcc finds the presets in share/aimcc/targets relative to
# its own file (ir/targets_dir.c), so they move with the prefix too.
include(CMakePackageConfigHelpers)

set(AIMCC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/aimcc)
set(AIMCC_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Shared libraries carry a soname, so an incompatible release can sit beside this one.
set_target_properties(aimrt aimcc_lib PROPERTIES
    VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})

# Names inside the aimcc:: namespace: aimcc::aimrt, aimcc::aimcc and their _static twins.
set_target_properties(aimcc_lib PROPERTIES EXPORT_NAME aimcc)

# The build links libm by its full path; installed packages link it by name,
# so they keep working where libm lives in another folder.
if(MATH_LIBRARY)
    foreach(lib aimrt aimrt_static)
        get_target_property(aimcc_links ${lib} INTERFACE_LINK_LIBRARIES)
        list(TRANSFORM aimcc_links REPLACE "^${MATH_LIBRARY}$"
             "$<BUILD_INTERFACE:${MATH_LIBRARY}>$<INSTALL_INTERFACE:m>")
        set_target_properties(${lib} PROPERTIES INTERFACE_LINK_LIBRARIES "${aimcc_links}")
    endforeach()
endif()

# Relative RPATHs: the command looks in the library folder beside its own
# folder, and libaimcc finds libaimrt in its own folder.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_BINDIR}")
    set_target_properties(aimcc PROPERTIES INSTALL_RPATH "${CMAKE_INSTALL_FULL_LIBDIR}")
else()
    file(RELATIVE_PATH AIMCC_BIN_TO_LIB ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_LIBDIR})
    set_target_properties(aimcc PROPERTIES INSTALL_RPATH "$ORIGIN/${AIMCC_BIN_TO_LIB}")
endif()
set_target_properties(aimcc_lib PROPERTIES INSTALL_RPATH "$ORIGIN")

install(TARGETS aimcc RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS aimrt aimrt_static aimcc_lib aimcc_static EXPORT aimccTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY runtime/include/aimrt include/aimcc DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
    FILES_MATCHING PATTERN "*.h")
install(DIRECTORY targets/ DESTINATION ${CMAKE_INSTALL_DATADIR}/aimcc/targets
    FILES_MATCHING PATTERN "*.json")

# CMake package: find_package(aimcc) gives aimcc::aimrt and aimcc::aimcc.
install(EXPORT aimccTargets NAMESPACE aimcc:: DESTINATION ${AIMCC_CMAKE_DIR})
configure_package_config_file(cmake/aimccConfig.cmake.in
    ${CMAKE_BINARY_DIR}/cmake/aimccConfig.cmake
    INSTALL_DESTINATION ${AIMCC_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/aimccConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/aimccConfig.cmake
              ${CMAKE_BINARY_DIR}/cmake/aimccConfigVersion.cmake
        DESTINATION ${AIMCC_CMAKE_DIR})

# pkg-config files. The prefix is written relative to ${pcfiledir} unless the
# library folder was given as an absolute path.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(AIMCC_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
    file(RELATIVE_PATH AIMCC_PC_TO_PREFIX
        ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
    string(REGEX REPLACE "/$" "" AIMCC_PC_TO_PREFIX "${AIMCC_PC_TO_PREFIX}")
    set(AIMCC_PC_PREFIX "\${pcfiledir}/${AIMCC_PC_TO_PREFIX}")
endif()
foreach(dir LIBDIR INCLUDEDIR)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
        set(AIMCC_PC_${dir} "${CMAKE_INSTALL_${dir}}")
    else()
        set(AIMCC_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
    endif()
endforeach()
foreach(pc aimrt aimcc)
    configure_file(cmake/${pc}.pc.in ${CMAKE_BINARY_DIR}/cmake/${pc}.pc @ONLY)
    install(FILES ${CMAKE_BINARY_DIR}/cmake/${pc}.pc DESTINATION ${AIMCC_PKGCONFIG_DIR})
endforeach()
