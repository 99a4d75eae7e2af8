// The one main() every CppUTest executable links.
#include <cstdlib>

#include "platform/core/log.h"

#include <CppUTest/CommandLineTestRunner.h>
#include <CppUTest/MemoryLeakWarningPlugin.h>

int main(int argc, char** argv) {
  MemoryLeakWarningPlugin::turnOffNewDeleteOverloads();
  // Tests log at warn unless STOCKBRIDGE_TEST_LOG names a level (debug, info, ...).
  sb::log::Level level = sb::log::Level::kWarn;
  if (const char* env = std::getenv("STOCKBRIDGE_TEST_LOG")) sb::log::parse_level(env, &level);
  sb::log::set_level(level);
  return CommandLineTestRunner::RunAllTests(argc, argv);
}
