// COCOeval.accumulate() from evalImgs as given: for code that assembles evalImgs itself
// (torchvision's reference scripts merge the evalImgs of several processes, then call
// accumulate()) or accumulates with other parameters than evaluate() used. The arithmetic
// is lib/'s literal transcription of pycocotools' accumulate (detail/accumulate.hpp);
// deteval/cocoeval.py flattens the dicts and picks the k/a/m/i lists as pycocotools does.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <vector>

#include "bindings.hpp"
#include "deteval/detail/accumulate.hpp"
#include "interrupt.hpp"

namespace py = pybind11;

namespace deteval::python {

namespace {

template <class T>
using In = py::array_t<T, py::array::c_style | py::array::forcecast>;

}  // namespace

void bind_accumulate(py::module_& m) {
  // cell_of[k0 * A0 * I0 + a0 * I0 + i0]: the cell (-1: None). Cell c: nd[c] detections at
  // dt_off[c] in `scores`, and T rows of nd[c] flags at T * dt_off[c] in dtm (matched) and
  // dt_ig; npig[c] ground truths not ignored. Returns (precision, recall, scores).
  m.def("accumulate_eval_imgs",
        [](const In<std::int64_t>& cell_of, const In<std::int64_t>& nd, const In<std::int64_t>& dt_off,
           const In<std::int64_t>& npig_cell, const In<double>& scores, const In<std::uint8_t>& dtm,
           const In<std::uint8_t>& dt_ig, const std::vector<std::int64_t>& k_list,
           const std::vector<std::int64_t>& a_list, const std::vector<std::int64_t>& m_list,
           const std::vector<std::int64_t>& i_list, std::int64_t A0, std::int64_t I0, std::size_t T,
           const std::vector<double>& rec_thrs, std::size_t K, std::size_t A, std::size_t M) {
          const std::size_t R = rec_thrs.size();
          py::array_t<double> precision({T, R, K, A, M}), recall({T, K, A, M}), score_out({T, R, K, A, M});
          double* P = precision.mutable_data();
          double* Rc = recall.mutable_data();
          double* S = score_out.mutable_data();
          std::fill(P, P + precision.size(), -1.0);
          std::fill(Rc, Rc + recall.size(), -1.0);
          std::fill(S, S + score_out.size(), -1.0);
          const std::int64_t* co = cell_of.data();
          const std::int64_t cells = cell_of.size();
          run_interruptible([&](const CancelFlag* cancel) {
            detail::AccumulateScratch scratch;
            struct Entry {
              double score;
              std::int64_t cell, d;
            };
            std::vector<Entry> entries;
            std::vector<double> tp, fp, sc;
            for (std::size_t k = 0; k < k_list.size(); ++k)
              for (std::size_t a = 0; a < a_list.size(); ++a)
                for (std::size_t mi = 0; mi < m_list.size(); ++mi) {
                  check_cancel(cancel);  // Ctrl-C (interrupt.hpp)
                  const std::int64_t max_det = m_list[mi];
                  entries.clear();
                  double npig = 0;
                  bool any = false;
                  for (std::int64_t i : i_list) {
                    const std::int64_t at = k_list[k] * A0 * I0 + a_list[a] * I0 + i;
                    if (at < 0 || at >= cells || co[at] < 0) continue;
                    const std::int64_t c = co[at];
                    any = true;
                    npig += static_cast<double>(npig_cell.data()[c]);
                    const std::int64_t n = std::min(nd.data()[c], max_det);
                    for (std::int64_t d = 0; d < n; ++d) entries.push_back({scores.data()[dt_off.data()[c] + d], c, d});
                  }
                  if (!any || npig == 0) continue;
                  // np.argsort(-dtScores, kind='mergesort')
                  std::stable_sort(entries.begin(), entries.end(),
                                   [](const Entry& x, const Entry& y) { return -x.score < -y.score; });
                  const std::size_t n = entries.size();
                  sc.resize(n);
                  tp.resize(n);
                  fp.resize(n);
                  for (std::size_t j = 0; j < n; ++j) sc[j] = entries[j].score;
                  for (std::size_t t = 0; t < T; ++t) {
                    for (std::size_t j = 0; j < n; ++j) {
                      const Entry& e = entries[j];
                      const std::int64_t at = static_cast<std::int64_t>(T) * dt_off.data()[e.cell] +
                                              static_cast<std::int64_t>(t) * nd.data()[e.cell] + e.d;
                      const bool matched = dtm.data()[at] != 0, ignored = dt_ig.data()[at] != 0;
                      tp[j] = matched && !ignored;
                      fp[j] = !matched && !ignored;
                    }
                    const std::size_t base = ((t * R) * K + k) * A * M + a * M + mi;
                    Rc[((t * K + k) * A + a) * M + mi] = detail::accumulate_curve(
                        tp.data(), fp.data(), sc.data(), n, npig, rec_thrs, P + base, S + base, K * A * M, scratch);
                  }
                }
            return true;
          });
          return py::make_tuple(precision, recall, score_out);
        });
}

}  // namespace deteval::python
