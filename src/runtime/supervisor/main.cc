// cubelet-supervisor <sandbox-dir>: started by the cubelet server, never by hand.
#include <cstdio>
#include <string>

#include "runtime/supervisor/supervisor.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: cubelet-supervisor SANDBOX_DIR (started by cubelet, not by hand)\n", stderr);
    return 2;
  }
  return cubelet::runtime::supervisor::Main(argv[1]);
}
