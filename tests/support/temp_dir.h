// A scratch directory for one test, removed with everything in it when the
// TempDir goes out of scope -- unless STOCKBRIDGE_KEEP_TEST_DIRS=1, which keeps
// it (and says where on stderr) for a look after a failure.
#pragma once

#include <string>

namespace sb::testing {

class TempDir {
 public:
  // mkdtemp under $TMPDIR (default /tmp), named <prefix>-XXXXXX. Aborts the
  // test program if no directory can be made: nothing after it could work.
  explicit TempDir(const std::string& prefix = "stockbridge");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name; the file itself is not created.
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace sb::testing
