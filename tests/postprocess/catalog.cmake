# Tests of postprocess/catalog (data model, writers, readers, evaluation,
# location, FAST parameter import). Sources in catalog/, golden files in
# catalog/golden/.
set(_qp_cat ${CMAKE_CURRENT_SOURCE_DIR}/catalog)
qp_test(test_catalog_io SOURCES ${_qp_cat}/test_catalog_io.cpp ${_qp_cat}/sample_events.cpp
        LIBS qp_postprocess)
qp_test(test_catalog_quakeml SOURCES ${_qp_cat}/test_quakeml.cpp ${_qp_cat}/sample_events.cpp
        LIBS qp_postprocess)
qp_test(test_catalog_phase_files SOURCES ${_qp_cat}/test_phase_files.cpp
        ${_qp_cat}/sample_events.cpp LIBS qp_postprocess)
qp_test(test_catalog_evaluate SOURCES ${_qp_cat}/test_evaluate.cpp LIBS qp_postprocess)
qp_test(test_catalog_location SOURCES ${_qp_cat}/test_location.cpp LIBS qp_postprocess)
qp_test(test_catalog_fast_import SOURCES ${_qp_cat}/test_fast_import.cpp
        ${_qp_cat}/sample_events.cpp LIBS qp_postprocess)
