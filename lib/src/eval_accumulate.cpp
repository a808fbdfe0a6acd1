// evaluate()'s accumulation (eval_stages.hpp, stage 5): COCOeval.accumulate, one category
// per task.
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "eval_stages.hpp"

namespace deteval::detail {

namespace {

// A category's detections are numbered in entry order (entry j's k-th detection is
// flat[j] + k); `ranked` lists them in pycocotools' order.
struct Ranked {
  double score;
  std::uint32_t entry, rank, flat;
};

struct AccScratch {
  std::vector<Ranked> ranked;
  std::vector<std::uint32_t> flat;    // per entry: its first detection's number
  std::vector<Outcome> by_flat;  // per threshold and detection number
  std::vector<Outcome> by_rank;  // per threshold and ranked position: by_flat in ranking order
  std::vector<std::vector<std::uint32_t>> kept;  // per maxDets: the ranked positions within it
  std::vector<std::uint32_t> tp_pos, tp_fp;
  std::vector<double> tp_pr;
  std::vector<std::uint64_t> need;
};

// Written category-major ([K][A][M][T][R], each task's slots contiguous) and turned into
// pycocotools' [T][R][K][A][M] at the end: scattered writes cost more than the rest.
struct CategoryMajor {
  std::vector<double> precision, scores;
};

class Accumulator {
 public:
  Accumulator(const Detections& dt, const Entries& entries, const FlatVector<Outcome>& outcome, Evaluation& ev,
              CategoryMajor& out)
      : dt_(dt), entries_(entries), outcome_(outcome), ev_(ev), p_(ev.params), out_(out) {}

  void category(std::size_t k, AccScratch& s) const {
    const std::uint64_t nk = entries_.per_k[k + 1] - entries_.per_k[k];
    if (nk == 0) return;
    rank_detections(k, nk, s);
    for (std::size_t a = 0; a < ev_.A; ++a) {
      const ImageEval* ents = ev_.image_evals.data() + entries_.per_k[k] * ev_.A + a * nk;
      std::uint64_t npig = 0;
      for (std::uint64_t j = 0; j < nk; ++j)
        for (std::uint32_t g = 0; g < ents[j].num_gt; ++g) npig += ev_.gt_ignore[ents[j].gt_begin + g] == 0;
      if (npig == 0) continue;
      gather_outcomes(ents, nk, s);
      rank_outcomes(s);
      recall_needs(npig, s);
      for (std::size_t m = 0; m < ev_.M; ++m)
        for (std::size_t t = 0; t < ev_.T; ++t) curve(k, a, m, t, npig, s);
    }
  }

 private:
  // All of the category's detections: the same for every area range. pycocotools
  // concatenates images in id order and stable-sorts by -score. Then, per maxDets, the
  // ranked positions of the detections within each image's cap.
  void rank_detections(std::size_t k, std::uint64_t nk, AccScratch& s) const {
    s.ranked.clear();
    s.flat.resize(nk);
    const ImageEval* first = ev_.image_evals.data() + entries_.per_k[k] * ev_.A;  // area 0
    std::uint32_t nflat = 0;
    for (std::uint64_t j = 0; j < nk; ++j) {
      s.flat[j] = nflat;
      for (std::uint32_t d = 0; d < first[j].num_dt; ++d)
        s.ranked.push_back({dt_.score[ev_.dt_index[first[j].dt_begin + d]], static_cast<std::uint32_t>(j), d, nflat + d});
      nflat += first[j].num_dt;
    }
    std::sort(s.ranked.begin(), s.ranked.end(), [](const Ranked& x, const Ranked& y) {
      if (x.score != y.score) return x.score > y.score;
      if (x.entry != y.entry) return x.entry < y.entry;
      return x.rank < y.rank;
    });
    const std::size_t nr = s.ranked.size();
    s.kept.resize(ev_.M);
    for (std::size_t m = 0; m < ev_.M; ++m) {  // a detection counts for maxDets m when its rank is below it
      const std::uint32_t max_det = static_cast<std::uint32_t>(p_.max_dets[m]);
      s.kept[m].clear();
      for (std::size_t j = 0; j < nr; ++j)
        if (s.ranked[j].rank < max_det) s.kept[m].push_back(static_cast<std::uint32_t>(j));
    }
  }

  // Each detection's outcome per threshold, read in memory order (entry by entry).
  void gather_outcomes(const ImageEval* ents, std::uint64_t nk, AccScratch& s) const {
    const std::size_t nr = s.ranked.size();
    s.by_flat.resize(ev_.T * nr);
    for (std::uint64_t j = 0; j < nk; ++j) {
      const ImageEval& e = ents[j];
      for (std::size_t t = 0; t < ev_.T; ++t)
        std::copy_n(outcome_.data() + e.match_begin + t * e.num_dt, e.num_dt, s.by_flat.data() + t * nr + s.flat[j]);
    }
  }

  // The outcomes in ranking order, once per threshold: every maxDets' curve then reads
  // them in increasing positions instead of gathering them anew.
  void rank_outcomes(AccScratch& s) const {
    const std::size_t nr = s.ranked.size();
    s.by_rank.resize(ev_.T * nr);
    for (std::size_t t = 0; t < ev_.T; ++t) {
      const Outcome* row = s.by_flat.data() + t * nr;
      Outcome* out = s.by_rank.data() + t * nr;
      for (std::size_t j = 0; j < nr; ++j) out[j] = row[s.ranked[j].flat];
    }
  }

  // Smallest true-positive count c with c / npig >= rec_thrs[r] (exact doubles), or
  // npig + 1 when no count reaches it: searchsorted(rc, recThrs, 'left') in counts.
  void recall_needs(std::uint64_t npig, AccScratch& s) const {
    s.need.resize(ev_.R);
    for (std::size_t r = 0; r < ev_.R; ++r) {
      const double thr = p_.rec_thrs[r];
      auto reaches = [&](std::uint64_t c) { return static_cast<double>(c) / static_cast<double>(npig) >= thr; };
      std::uint64_t c = static_cast<std::uint64_t>(std::max(0.0, std::min(thr * npig, double(npig))));
      while (c > 0 && reaches(c - 1)) --c;
      while (c <= npig && !reaches(c)) ++c;
      s.need[r] = c;
    }
  }

  // One (category, area, maxDets, threshold)'s recall and sampled precision and scores.
  // pycocotools keeps rc = tp / npig and pr = tp / (tp + fp + eps) at every kept
  // detection, takes the running maximum of pr from the right, and samples it at the
  // first index where rc >= each recall threshold. Precision only rises at true
  // positives, so the same values come from the true positives alone: the sample for a
  // threshold needing c true positives is the maximum of pr over the true positives from
  // the c-th on (over all of them when c = 0).
  void curve(std::size_t k, std::size_t a, std::size_t m, std::size_t t, std::uint64_t npig, AccScratch& s) const {
    const std::size_t K = ev_.K, A = ev_.A, M = ev_.M, T = ev_.T, R = ev_.R;
    const std::vector<std::uint32_t>& kept = s.kept[m];
    const std::size_t nd = kept.size();
    const bool all = nd == s.ranked.size();  // every detection within this maxDets: kept[i] == i
    s.tp_pr.resize(nd);
    s.tp_pos.resize(nd);
    s.tp_fp.resize(nd);
    const Outcome* row = s.by_rank.data() + t * s.ranked.size();
    // First the true positives' positions and false-positive counts (written at every
    // detection, kept at true positives: no branch to mispredict), then their precisions:
    // the same integers in the same expression as pycocotools.
    std::uint32_t fp = 0;
    std::size_t ntp = 0;
    auto step = [&](std::size_t i, Outcome st) {
      fp += st == Outcome::fp;
      s.tp_pos[ntp] = static_cast<std::uint32_t>(i);
      s.tp_fp[ntp] = fp;
      ntp += st == Outcome::tp;
    };
    if (all)
      for (std::size_t i = 0; i < nd; ++i) step(i, row[i]);
    else
      for (std::size_t i = 0; i < nd; ++i) step(i, row[kept[i]]);
    for (std::size_t c = 0; c < ntp; ++c) {
      const double tp = static_cast<double>(c + 1);
      s.tp_pr[c] = tp / (static_cast<double>(s.tp_fp[c]) + tp + std::numeric_limits<double>::epsilon());
    }
    ev_.recall[((t * K + k) * A + a) * M + m] = nd ? static_cast<double>(ntp) / static_cast<double>(npig) : 0;
    for (std::size_t i = ntp; i-- > 1;)
      if (s.tp_pr[i] > s.tp_pr[i - 1]) s.tp_pr[i - 1] = s.tp_pr[i];
    double* prec = out_.precision.data() + (((k * A + a) * M + m) * T + t) * R;
    double* score = out_.scores.data() + (((k * A + a) * M + m) * T + t) * R;
    for (std::size_t r = 0; r < R; ++r) {
      const std::uint64_t c = s.need[r];
      if (nd == 0 || c > ntp) {  // never reached: 0, as pycocotools leaves it
        prec[r] = 0;
        score[r] = 0;
      } else if (c == 0) {  // index 0
        prec[r] = ntp ? s.tp_pr[0] : 0;
        score[r] = s.ranked[kept[0]].score;
      } else {
        prec[r] = s.tp_pr[c - 1];
        score[r] = s.ranked[kept[s.tp_pos[c - 1]]].score;
      }
    }
  }

  const Detections& dt_;
  const Entries& entries_;
  const FlatVector<Outcome>& outcome_;
  Evaluation& ev_;
  const Params& p_;
  CategoryMajor& out_;
};

}  // namespace

void accumulate_entries(const Detections& dt, const Entries& entries, FlatVector<Outcome>&& outcome,
                        Evaluation& ev, const CancelFlag* cancel) {
  const std::size_t T = ev.T, R = ev.R, K = ev.K, A = ev.A, M = ev.M;
  CategoryMajor major;
  major.precision.assign(T * R * K * A * M, -1.0);
  major.scores.assign(T * R * K * A * M, -1.0);
  ev.recall.assign(T * K * A * M, -1.0);
  const Accumulator acc(dt, entries, outcome, ev, major);
  tbb::enumerable_thread_specific<AccScratch> scratch;
  tbb::parallel_for(std::size_t{0}, K, [&](std::size_t k) {
    check_cancel(cancel);
    acc.category(k, scratch.local());
  });
  FlatVector<Outcome>().swap(outcome);  // read: its memory serves the arrays below
  scratch.clear();

  ev.precision.resize(T * R * K * A * M);
  ev.scores.resize(T * R * K * A * M);
  const std::size_t KAM = K * A * M;
  tbb::parallel_for(std::size_t{0}, T * R, [&](std::size_t tr) {
    const std::size_t t = tr / R, r = tr % R;
    for (std::size_t kam = 0; kam < KAM; ++kam) {
      ev.precision[tr * KAM + kam] = major.precision[(kam * T + t) * R + r];
      ev.scores[tr * KAM + kam] = major.scores[(kam * T + t) * R + r];
    }
  });
}

}  // namespace deteval::detail
