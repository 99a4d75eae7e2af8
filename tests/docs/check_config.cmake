# Runs PROGRAM --check-config with ARGS (a ;-list) and expects exit code EXIT
# and output (stdout and stderr) matching REGEX: what the docs promise a
# person running --check-config will see.
execute_process(COMMAND ${PROGRAM} --check-config ${ARGS} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL ${EXIT})
  message(FATAL_ERROR "--check-config exited ${rc}, expected ${EXIT}:\n${out}${err}")
endif()
if(NOT "${out}${err}" MATCHES "${REGEX}")
  message(FATAL_ERROR "--check-config said:\n${out}${err}\nexpected it to match: ${REGEX}")
endif()
