// The operator's guide names every exception class with the owner the
// programs give it: a class added to the vocabulary (or an owner changed)
// without the guide saying so fails here.
#include <fstream>
#include <sstream>
#include <string>

#include "proto/stockbridge/v1/exceptions.h"

#include <CppUTest/TestHarness.h>

#ifndef STOCKBRIDGE_SOURCE_DIR
#error "STOCKBRIDGE_SOURCE_DIR must name the source directory"
#endif

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_GROUP(OperatorsGuide){};

TEST(OperatorsGuide, EveryExceptionClassHasItsRowWithItsOwner) {
  const std::string guide = read(std::string(STOCKBRIDGE_SOURCE_DIR) + "/docs/operators-guide.md");
  CHECK_FALSE(guide.empty());
  for (const stockbridge::v1::ExceptionClassInfo& c : stockbridge::v1::kExceptionClasses) {
    const std::string row = "| " + std::string(c.name) + " | " + std::string(c.owner) + " |";
    CHECK_TRUE_TEXT(guide.find(row) != std::string::npos, ("docs/operators-guide.md lacks the row: " + row).c_str());
  }
}

TEST(OperatorsGuide, EveryPictureItShowsIsThere) {
  const std::string guide = read(std::string(STOCKBRIDGE_SOURCE_DIR) + "/docs/operators-guide.md");
  for (size_t at = guide.find("](images/"); at != std::string::npos; at = guide.find("](images/", at + 1)) {
    const size_t end = guide.find(')', at);
    const std::string file = guide.substr(at + 2, end - at - 2);
    CHECK_TRUE_TEXT(std::ifstream(std::string(STOCKBRIDGE_SOURCE_DIR) + "/docs/" + file).good(),
                    ("docs/" + file + " is missing (tests/ui/update-doc-images)").c_str());
  }
}
