# Tests of postprocess/association (included from tests/postprocess/CMakeLists.txt).
set(_qp_assoc ${CMAKE_CURRENT_SOURCE_DIR}/association)
qp_test(test_assoc_event_pairs SOURCES ${_qp_assoc}/test_event_pairs.cpp LIBS qp_postprocess)
qp_test(test_assoc_network SOURCES ${_qp_assoc}/test_network.cpp LIBS qp_postprocess)
qp_test(test_assoc_golden SOURCES ${_qp_assoc}/test_golden_iceland.cpp LIBS qp_postprocess)
qp_test(test_assoc_arrival SOURCES ${_qp_assoc}/test_arrival.cpp LIBS qp_postprocess)
qp_test(test_assoc_onset_consistency SOURCES ${_qp_assoc}/test_onset_consistency.cpp LIBS qp_postprocess)
qp_test(test_assoc_sightings SOURCES ${_qp_assoc}/test_sightings.cpp LIBS qp_postprocess)
qp_test(test_assoc_phase_labels SOURCES ${_qp_assoc}/test_phase_labels.cpp LIBS qp_postprocess)
