# Debian packages, one per program, from one build:
#   cmake --build build --target package     (or: ./run package)
# makes build/stockbridge-agent_<version>_<arch>.deb and stockbridge-relay_...
#
# Each package holds its program in /usr/bin, its settings file as a conffile
# in /etc/stockbridge (the commented example the program prints, with the state
# path set explicitly), its systemd unit, its docs, and maintainer scripts that
# create the `stockbridge` system user and enable the unit (see provisioning/README.md).
# Library dependencies come from dpkg-shlibdeps; mosquitto is not one (gateways
# talk to the fleet's broker, they do not run one).

set(STOCKBRIDGE_PACKAGE_CONTACT "Stockbridge maintainers <stockbridge@localhost>" CACHE STRING
  "Maintainer field of the Debian packages")
set(sb_pkg_dir ${PROJECT_SOURCE_DIR}/provisioning)
set(sb_pkg_out ${PROJECT_BINARY_DIR}/provisioning)

# program: agent | relay; state_key: the setting that places its state.
function(stockbridge_package program state_key summary)
  set(component ${program})
  string(TOUPPER ${program} COMP)
  set(package stockbridge-${program})

  # The packaged settings file: the documented example (kept equal to
  # --print-example-config by the docs_*_conf_example tests), with the state
  # path spelled out so it visibly lives in the unit's StateDirectory.
  file(READ ${PROJECT_SOURCE_DIR}/docs/${program}.conf.example example)
  string(REPLACE "# ${state_key} = " "${state_key} = " example "${example}")
  file(WRITE ${sb_pkg_out}/${program}/${program}.conf
    "# /etc/stockbridge/${program}.conf: the settings of ${package} (installed by its Debian package).\n"
    "# Kept across upgrades (a conffile). Check it with: ${package} --config /etc/stockbridge/${program}.conf --check-config\n"
    "# then: systemctl restart ${package}\n#\n${example}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/${program}.conf.example)

  # Maintainer scripts, specialised per program; dpkg knows /etc files as conffiles only when listed.
  set(PROGRAM ${program})
  foreach(script postinst prerm postrm)
    configure_file(${sb_pkg_dir}/debian/${script}.in ${sb_pkg_out}/${program}/${script} @ONLY
      FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  endforeach()
  file(WRITE ${sb_pkg_out}/${program}/conffiles "/etc/stockbridge/${program}.conf\n")

  install(TARGETS ${package} RUNTIME DESTINATION bin COMPONENT ${component})
  install(FILES ${sb_pkg_out}/${program}/${program}.conf DESTINATION /etc/stockbridge COMPONENT ${component})
  install(FILES ${sb_pkg_dir}/systemd/${package}.service DESTINATION /lib/systemd/system COMPONENT ${component})
  install(FILES ${PROJECT_SOURCE_DIR}/docs/${program}.md ${PROJECT_SOURCE_DIR}/docs/${program}.conf.example
                ${sb_pkg_dir}/README.md
          DESTINATION share/doc/${package} COMPONENT ${component})

  set(CPACK_DEBIAN_${COMP}_PACKAGE_NAME ${package} PARENT_SCOPE)
  set(CPACK_DEBIAN_${COMP}_FILE_NAME DEB-DEFAULT PARENT_SCOPE)
  set(CPACK_DEBIAN_${COMP}_PACKAGE_SECTION net PARENT_SCOPE)
  set(CPACK_DEBIAN_${COMP}_PACKAGE_DEPENDS "adduser, init-system-helpers" PARENT_SCOPE)
  set(CPACK_DEBIAN_${COMP}_PACKAGE_CONTROL_EXTRA
    "${sb_pkg_out}/${program}/conffiles;${sb_pkg_out}/${program}/postinst;${sb_pkg_out}/${program}/prerm;${sb_pkg_out}/${program}/postrm"
    PARENT_SCOPE)
  set(CPACK_COMPONENT_${COMP}_DESCRIPTION "${summary}" PARENT_SCOPE)
endfunction()

stockbridge_package(agent journal.path
  "Stockbridge edge agent: journals Clarus WMS events and forwards them to the relay\nThe agent runs on a warehouse gateway next to Clarus WMS. It journals every\nwarehouse event in LMDB before acknowledging it and forwards the journal over\nMQTT (HTTPS as a fallback) to the Stockbridge relay, which posts it to the ERP.")
stockbridge_package(relay ledger.path
  "Stockbridge cloud relay: posts warehouse events to the ERP\nThe relay takes the sites' events over MQTT or HTTPS into its durable ledger\nand posts each to the ERP once, with the event's id as the record's external\nid; orders and master data flow back down to the sites.")

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL agent relay)
set(CPACK_PACKAGE_NAME stockbridge)
set(CPACK_PACKAGE_VENDOR "Stockbridge")
set(CPACK_PACKAGE_CONTACT "${STOCKBRIDGE_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)  # scripts 0755, conffiles 0644, as dpkg expects
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_STRIP_FILES ON)  # the programs ship without their debug info (it stays in the build tree)
include(CPack)
