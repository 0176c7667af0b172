# Fingerprint throughput (fingerprints/s per core) against a naive per-image baseline.
add_executable(fingerprint_bench ${CMAKE_CURRENT_LIST_DIR}/fingerprint_bench.cpp)
target_link_libraries(fingerprint_bench PRIVATE qp_fingerprint)
