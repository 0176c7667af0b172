# LSH benchmarks: signature throughput and search time per query against a
# FAST-style baseline (unordered_map tables and votes) timed in the same run.
if(TARGET qp_lsh)
  add_executable(lsh_bench ${CMAKE_CURRENT_LIST_DIR}/lsh_bench.cpp)
  target_link_libraries(lsh_bench PRIVATE qp_lsh)
endif()
