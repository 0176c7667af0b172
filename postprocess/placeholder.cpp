// Keeps qp_postprocess non-empty while its parts are written.
namespace qp::post { int postprocess_library_anchor() { return 0; } }
