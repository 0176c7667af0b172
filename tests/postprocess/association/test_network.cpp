#include "postprocess/association/event_pairs.hpp"
#include "tests/support/test_support.hpp"
TEST(Placeholder, X) {}
