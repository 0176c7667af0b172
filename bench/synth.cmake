# Synthetic data throughput: one week of one 100 Hz channel, with the noise
# generator and the Steim-2 writer also timed alone.
if(TARGET qp_synth)
  add_executable(synth_bench ${CMAKE_CURRENT_LIST_DIR}/synth_bench.cpp)
  target_link_libraries(synth_bench PRIVATE qp_synth)
endif()
