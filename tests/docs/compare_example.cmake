# Runs PROGRAM --print-example-config and compares it with EXPECTED.
execute_process(COMMAND ${PROGRAM} --print-example-config OUTPUT_FILE ${OUTPUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} --print-example-config failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${EXPECTED} ${OUTPUT} RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  message(FATAL_ERROR "${EXPECTED} is out of date; regenerate it with:\n  ${PROGRAM} --print-example-config > ${EXPECTED}")
endif()
