#include <fftw3.h>
#include <hdf5.h>
#include <libmseed.h>
#include <mpi.h>

#include <cstdio>
#include <string>

#include "app/commands.hpp"
#include "pipeline/version.hpp"

namespace qp::app {

void print_version(const MpiContext& mpi) {
  if (!mpi.root()) return;
  char mpi_lib[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(mpi_lib, &len);
  std::string mpi_text(mpi_lib, static_cast<size_t>(len));
  if (auto nl = mpi_text.find_first_of(",\n"); nl != std::string::npos) mpi_text.resize(nl);
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  std::printf("quakeprint %s (git %s)\n", kVersion, kGitCommit);
  std::printf("  MPI:      %s\n", mpi_text.c_str());
  std::printf("  HDF5:     %u.%u.%u%s\n", maj, min, rel, H5_HAVE_PARALLEL ? " (parallel)" : "");
  std::printf("  FFTW:     %s\n", fftw_version);
  std::printf("  libmseed: %s\n", LIBMSEED_VERSION);
}

}  // namespace qp::app
