// One step of COCOeval.accumulate(), transcribed literally (cumulative sums,
// precision envelope, searchsorted), for the analyses that re-accumulate with
// modified flags or weighted images (error fixes, bootstrap resamples).
// evaluate() computes the same numbers by a faster route that needs unit
// increments; tests hold the two to bit-identical results on every fixture.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace deteval::detail {

/// Scratch buffers reused across calls (one per thread).
struct AccumulateScratch {
  std::vector<double> pr, rc;
};

/// The precision/recall curve of one ranked list of detections (descending score,
/// pycocotools' tie order). Entry i adds tp[i] true and fp[i] false positives
/// (an ignored detection adds 0 and 0 and repeats the previous counts, exactly as
/// pycocotools' cumulative sums do). `npig` is the number of non-ignored ground
/// truths (> 0). Writes precision[r * stride] (and, when `scores_out` is not null,
/// scores_out[r * stride]) for each recall threshold r and returns the final recall.
double accumulate_curve(const double* tp, const double* fp, const double* score, std::size_t n, double npig,
                        std::span<const double> rec_thrs, double* precision, double* scores_out, std::size_t stride,
                        AccumulateScratch& s);

}  // namespace deteval::detail
