#include "pipeline/mpi_context.hpp"

#include <gtest/gtest.h>

using namespace qp;

TEST(MpiContext, GathersInRankOrderAndSplitsUnits) {
  MpiContext mpi;
  ASSERT_EQ(mpi.size(), 2) << "run under mpiexec -n 2";
  const auto all = mpi.all_gather("r" + std::to_string(mpi.rank()));
  EXPECT_EQ(all, (std::vector<std::string>{"r0", "r1"}));
  EXPECT_EQ(mpi.broadcast(mpi.root() ? "hello" : ""), "hello");
  int mine = 0;
  for (std::size_t u = 0; u < 7; ++u) mine += mpi.owns(u);
  EXPECT_EQ(mine, mpi.rank() == 0 ? 4 : 3);
}

TEST(MpiContext, ErrorOnOneRankReachesEveryRankWithRankAndCause) {
  MpiContext mpi;
  std::exception_ptr err;
  if (mpi.rank() == 1) err = std::make_exception_ptr(InputError("bad.mseed", "corrupt record", "record 3"));
  try {
    mpi.check(err, "preprocess");
    FAIL() << "no error raised on rank " << mpi.rank();
  } catch (const CollectiveError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("rank 1: bad.mseed (record 3): corrupt record"), std::string::npos) << msg;
  }
  EXPECT_NO_THROW(mpi.check(nullptr, "nothing"));
}
