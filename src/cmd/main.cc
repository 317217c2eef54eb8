// The cubelet binary: all wiring of real implementations happens below src/cmd; the verbs
// themselves live in src/cli.
#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) { return cubelet::cli::Main(argc, argv, std::cout, std::cerr); }
