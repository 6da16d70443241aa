# Installing RingMQ as a system service, and its Debian package.
#   cmake --install build            binaries, config, unit, docs, man pages under the prefix
#   cmake --build build --target package   build/ringmq_<version>_<arch>.deb (CPack DEB)
# The prefix defaults to /usr (a system service: its config goes to /etc/ringmq, its unit to
# /usr/lib/systemd/system); pass -DCMAKE_INSTALL_PREFIX=... at configure time for another.
set(CMAKE_INSTALL_DOCDIR share/doc/ringmq)  # the package's name, not the project's
include(GNUInstallDirs)

set(RINGMQ_CONFIG_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/ringmq")
set(RINGMQ_INSTALLED_DATA_DIR "/var/lib/ringmq")  # systemd's StateDirectory=ringmq
set(RINGMQ_PROGRAMS ringmq-broker ringmq-admin ringmq-tune ringmq-jitter)

foreach(program IN LISTS RINGMQ_PROGRAMS)
  if(TARGET ${program})
    install(TARGETS ${program} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()

# The installed config is config/ringmq.toml with the data directory of a service.
file(READ ${PROJECT_SOURCE_DIR}/config/ringmq.toml config_text)
string(REPLACE "# data_dir = \"./data\"" "data_dir = \"${RINGMQ_INSTALLED_DATA_DIR}\"" config_text "${config_text}")
string(REPLACE "#   ringmq-broker --config config/ringmq.toml"
               "#   ringmq-broker --config ${RINGMQ_CONFIG_DIR}/ringmq.toml   (what ringmq.service runs)"
               config_text "${config_text}")
file(WRITE ${PROJECT_BINARY_DIR}/packaging/ringmq.toml "${config_text}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/config/ringmq.toml)
install(FILES ${PROJECT_BINARY_DIR}/packaging/ringmq.toml DESTINATION ${RINGMQ_CONFIG_DIR})

foreach(unit ringmq.service ringmq-tune.service)
  configure_file(${PROJECT_SOURCE_DIR}/packaging/systemd/${unit} ${PROJECT_BINARY_DIR}/packaging/${unit} @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/packaging/${unit} DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endforeach()

install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")
install(FILES ${PROJECT_SOURCE_DIR}/packaging/grafana/ringmq-dashboard.json
              ${PROJECT_SOURCE_DIR}/packaging/prometheus/ringmq-alerts.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/ringmq)

# Man pages from each program's --help (help2man); the programs must build first.
find_program(RINGMQ_HELP2MAN help2man)
if(RINGMQ_HELP2MAN)
  set(man_pages)
  foreach(program IN LISTS RINGMQ_PROGRAMS)
    if(TARGET ${program})
      set(page ${PROJECT_BINARY_DIR}/man/${program}.1)
      add_custom_command(
        OUTPUT ${page}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
        COMMAND ${RINGMQ_HELP2MAN} --no-info --no-discard-stderr --version-string=${PROJECT_VERSION}
                --name=${program} --output=${page} $<TARGET_FILE:${program}>
        DEPENDS ${program}
        COMMENT "Man page of ${program}")
      list(APPEND man_pages ${page})
    endif()
  endforeach()
  add_custom_target(ringmq_man_pages ALL DEPENDS ${man_pages})
  install(FILES ${man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no man pages (./scripts/setup installs it)")
endif()

# The Debian package.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ringmq)
set(CPACK_PACKAGE_VENDOR "RingMQ")
set(CPACK_PACKAGE_CONTACT "RingMQ maintainers <maintainers@ringmq.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Kafka-protocol message broker with a page-fault-free write path")
set(CPACK_PACKAGE_DESCRIPTION
    "RingMQ is a message broker for Linux that speaks the Apache Kafka wire protocol. Its storage engine, a "
    "shared commit log written through io_uring from locked memory, keeps produce latency flat when the page "
    "cache does not. Includes ringmq-admin (topics, groups, cluster), ringmq-tune (kernel settings) and "
    "ringmq-jitter (page-fault jitter profiler), a systemd unit, a Grafana dashboard and Prometheus alerts.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # library dependencies from the binaries (dpkg-shlibdeps)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")  # postinst creates the ringmq system user
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
