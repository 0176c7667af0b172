# Matched-filter benchmark: FFT correlation throughput against the direct
# time-domain computation, timed in the same run.
if(TARGET qp_match)
  add_executable(match_bench ${CMAKE_CURRENT_LIST_DIR}/match_bench.cpp)
  target_link_libraries(match_bench PRIVATE qp_match)
endif()
