#include "pipeline/mpi_context.hpp"

#include <cstdlib>

namespace qp {

std::string describe(std::exception_ptr e) {
  if (!e) return "";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown error";
  }
}

MpiContext::MpiContext(int* argc, char*** argv) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    owns_mpi_ = true;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiContext::MpiContext() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
}

MpiContext::~MpiContext() {
  if (owns_mpi_) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }
}

void MpiContext::barrier() const {
  if (size_ > 1) MPI_Barrier(MPI_COMM_WORLD);
}

std::vector<std::string> MpiContext::all_gather(const std::string& mine) const {
  if (size_ == 1) return {mine};
  int len = static_cast<int>(mine.size());
  std::vector<int> lens(static_cast<size_t>(size_)), offs(static_cast<size_t>(size_));
  MPI_Allgather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, MPI_COMM_WORLD);
  int total = 0;
  for (int r = 0; r < size_; ++r) {
    offs[static_cast<size_t>(r)] = total;
    total += lens[static_cast<size_t>(r)];
  }
  std::string all(static_cast<size_t>(total), '\0');
  MPI_Allgatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), offs.data(), MPI_CHAR,
                 MPI_COMM_WORLD);
  std::vector<std::string> out;
  for (int r = 0; r < size_; ++r)
    out.push_back(all.substr(static_cast<size_t>(offs[static_cast<size_t>(r)]),
                             static_cast<size_t>(lens[static_cast<size_t>(r)])));
  return out;
}

std::vector<std::string> MpiContext::gather(const std::string& mine) const {
  auto all = all_gather(mine);
  if (!root()) return {};
  return all;
}

std::string MpiContext::broadcast(const std::string& from_root) const {
  if (size_ == 1) return from_root;
  int len = static_cast<int>(from_root.size());
  MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string s = root() ? from_root : std::string(static_cast<size_t>(len), '\0');
  MPI_Bcast(s.data(), len, MPI_CHAR, 0, MPI_COMM_WORLD);
  return s;
}

void MpiContext::check(std::exception_ptr local_error, const std::string& context) const {
  if (size_ == 1) {
    if (local_error) std::rethrow_exception(local_error);
    return;
  }
  const std::string mine = local_error ? describe(local_error) : "";
  const auto all = all_gather(mine);
  std::string message;
  for (int r = 0; r < size_; ++r) {
    const auto& m = all[static_cast<size_t>(r)];
    if (!m.empty()) message += (message.empty() ? "" : "; ") + ("rank " + std::to_string(r) + ": " + m);
  }
  if (!message.empty()) throw CollectiveError(context + " failed: " + message);
}

}  // namespace qp
