// COCOeval.evaluate() + accumulate(), on flat arrays.
//
// Stages: (1) group ground truth and detections into (category, image) cells with
// counting sorts that keep pycocotools' orders; (2) sort each cell's detections by
// score (stable) and truncate to maxDets[-1]; (3) ask the IoU provider for every
// cell's block at once; (4) greedy matching per cell and area range, in parallel,
// into per-cell slots; (5) per-category accumulation of precision and recall.
// Every parallel stage writes to its own slots, so results are bit-identical for
// any number of threads.
#include "deteval/evaluate.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "deteval/error.hpp"

namespace deteval {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Stable counting sort of `idx` by key(idx[j]) in [0, nkeys); returns the key offsets.
template <class Key>
std::vector<std::uint64_t> counting_sort(std::vector<std::uint32_t>& idx, std::size_t nkeys, Key key) {
  std::vector<std::uint64_t> off(nkeys + 1, 0);
  for (std::uint32_t j : idx) ++off[key(j) + 1];
  for (std::size_t k = 0; k < nkeys; ++k) off[k + 1] += off[k];
  std::vector<std::uint32_t> out(idx.size());
  std::vector<std::uint64_t> pos(off.begin(), off.end() - 1);
  for (std::uint32_t j : idx) out[pos[key(j)]++] = j;
  idx.swap(out);
  return off;
}

struct Cells {
  std::size_t count = 0;
  std::vector<std::uint32_t> gt, dt;        // indices grouped by cell
  std::vector<std::uint64_t> gt_off, dt_off;  // cell c: [off[c], off[c+1])
  std::vector<std::uint32_t> num_dt;        // detections kept per cell (<= maxDets[-1])
};

// Cell c = k * I + i. Within a cell, pycocotools' order: file order, or with
// use_cats off, category order then file order (its pooled lists).
Cells make_cells(const GroundTruth& gt, const Detections& dt, const Params& p, std::size_t Kc) {
  const std::size_t I = gt.images.size(), K = gt.categories.size();
  Cells c;
  c.count = Kc * I;
  auto cell_of = [&](std::uint32_t img, std::uint32_t cat) -> std::size_t {
    return (p.use_cats ? cat : 0) * I + img;
  };
  c.gt.resize(gt.size());
  std::iota(c.gt.begin(), c.gt.end(), 0u);
  c.dt.resize(dt.size());
  std::iota(c.dt.begin(), c.dt.end(), 0u);
  if (!p.use_cats) {
    counting_sort(c.gt, K, [&](std::uint32_t j) { return gt.category[j]; });
    counting_sort(c.dt, K, [&](std::uint32_t j) { return dt.category[j]; });
  }
  c.gt_off = counting_sort(c.gt, c.count, [&](std::uint32_t j) { return cell_of(gt.image[j], gt.category[j]); });
  c.dt_off = counting_sort(c.dt, c.count, [&](std::uint32_t j) { return cell_of(dt.image[j], dt.category[j]); });

  // Stable sort by descending score (numpy's mergesort of -score), then truncate.
  const std::size_t keep = static_cast<std::size_t>(p.max_dets.back());
  c.num_dt.assign(c.count, 0);
  tbb::parallel_for(std::size_t{0}, c.count, [&](std::size_t cell) {
    auto b = c.dt.begin() + c.dt_off[cell], e = c.dt.begin() + c.dt_off[cell + 1];
    std::stable_sort(b, e, [&](std::uint32_t x, std::uint32_t y) { return dt.score[x] > dt.score[y]; });
    c.num_dt[cell] = static_cast<std::uint32_t>(std::min<std::size_t>(e - b, keep));
  });
  return c;
}

struct Scratch {
  std::vector<std::uint32_t> order;   // gt positions within the cell, non-ignored first
  std::vector<std::uint8_t> ignore;   // per ordered gt
  std::vector<std::uint8_t> matched;  // per ordered gt, for one threshold
  std::vector<double> row_max;        // per detection: its best IoU in the cell
  // Per area range of the cell: its gt ignore flags (cell order) and its matches before the
  // area's rule for detections. Area ranges with the same flags match identically.
  std::vector<std::uint8_t> flags, raw_dig;
  std::vector<std::int32_t> raw_match;
};

}  // namespace

Evaluation evaluate(const GroundTruth& gt, const Detections& dt, const Params& params, const IouProvider& iou,
                    const EvalOptions& options) {
  check_params(params);
  check_iou_type(gt, dt, params.iou_type);

  Evaluation ev;
  ev.params = params;
  const Params& p = ev.params;
  const std::size_t I = gt.images.size();
  const std::size_t T = p.iou_thrs.size(), R = p.rec_thrs.size(), A = p.area_ranges.size(), M = p.max_dets.size();
  const std::size_t K = p.use_cats ? gt.categories.size() : 1;
  ev.T = T; ev.R = R; ev.K = K; ev.A = A; ev.M = M;
  if (p.use_cats)
    for (const auto& c : gt.categories) ev.category_ids.push_back(c.id);
  else
    ev.category_ids = {-1};

  tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
  arena.execute([&] {
    // (1, 2) cells
    auto t0 = Clock::now();
    if (options.on_stage) options.on_stage("cells");
    Cells cells = make_cells(gt, dt, p, K);
    ev.timings.cells = seconds_since(t0);

    // (3) IoU blocks of all cells with detections and ground truth
    t0 = Clock::now();
    if (options.on_stage) options.on_stage("iou");
    std::vector<std::uint64_t> iou_off(cells.count + 1, 0);
    for (std::size_t c = 0; c < cells.count; ++c) {
      const std::uint64_t G = cells.gt_off[c + 1] - cells.gt_off[c];
      iou_off[c + 1] = iou_off[c] + G * cells.num_dt[c];
    }
    std::vector<double> ious(iou_off.back());
    std::vector<IouTask> tasks;
    for (std::size_t c = 0; c < cells.count; ++c) {
      if (iou_off[c + 1] == iou_off[c]) continue;
      tasks.push_back({std::span<const std::uint32_t>(cells.dt.data() + cells.dt_off[c], cells.num_dt[c]),
                       std::span<const std::uint32_t>(cells.gt.data() + cells.gt_off[c],
                                                      cells.gt_off[c + 1] - cells.gt_off[c]),
                       ious.data() + iou_off[c]});
    }
    iou.compute(tasks);
    ev.timings.iou = seconds_since(t0);
    ev.device = iou.device();  // after compute: with Device::auto_ the batch decides

    // (4) matching. Entries (COCOeval.evalImgs) exist for cells with gt or dt, ordered k, a, i.
    t0 = Clock::now();
    if (options.on_stage) options.on_stage("matching");
    std::vector<std::uint32_t> nonempty;  // cells, in k-major, image order
    std::vector<std::uint64_t> per_k(K + 1, 0);
    for (std::size_t c = 0; c < cells.count; ++c)
      if (cells.gt_off[c + 1] > cells.gt_off[c] || cells.dt_off[c + 1] > cells.dt_off[c]) {
        nonempty.push_back(static_cast<std::uint32_t>(c));
        ++per_k[c / I + 1];
      }
    for (std::size_t k = 0; k < K; ++k) per_k[k + 1] += per_k[k];
    const std::size_t N = nonempty.size() * A;
    ev.image_evals.resize(N);
    std::uint64_t ndt = 0, ngt = 0, nmatch = 0;
    for (std::size_t k = 0; k < K; ++k)
      for (std::size_t a = 0; a < A; ++a)
        for (std::uint64_t j = per_k[k]; j < per_k[k + 1]; ++j) {
          const std::uint32_t c = nonempty[j];
          ImageEval& e = ev.image_evals[per_k[k] * A + a * (per_k[k + 1] - per_k[k]) + (j - per_k[k])];
          e.category = static_cast<std::uint32_t>(k);
          e.area = static_cast<std::uint32_t>(a);
          e.image = static_cast<std::uint32_t>(c % I);
          e.num_dt = cells.num_dt[c];
          e.num_gt = static_cast<std::uint32_t>(cells.gt_off[c + 1] - cells.gt_off[c]);
          e.dt_begin = ndt;
          e.gt_begin = ngt;
          e.match_begin = nmatch;
          ndt += e.num_dt;
          ngt += e.num_gt;
          nmatch += T * e.num_dt;
        }
    ev.dt_index.resize(ndt);
    ev.gt_index.resize(ngt);
    ev.gt_ignore.resize(ngt);
    ev.dt_match.resize(nmatch);  // written (first touched) by the tasks below
    ev.dt_ignore.resize(nmatch);
    // Each (threshold, detection)'s outcome for the accumulation, one byte (0 ignored, 1 true
    // positive, 2 false positive) in dt_match's layout: written while the entry is in cache,
    // it spares the accumulation a pass over dt_match and dt_ignore (five times larger).
    FlatVector<std::uint8_t> outcome(nmatch);

    // pycocotools' `ignore`: iscrowd, and for keypoints also num_keypoints == 0.
    const bool keypoints = p.iou_type == IouType::keypoints;
    std::vector<std::uint8_t> base_ignore(gt.iscrowd.begin(), gt.iscrowd.end());
    if (keypoints && gt.num_keypoints.size() == gt.size())
      for (std::size_t j = 0; j < gt.size(); ++j) base_ignore[j] |= gt.num_keypoints[j] == 0;
    // pycocotools' computeOks reads _gts[img, -1] when useCats is off: no ground truth, so
    // no OKS matrix, and evaluateImg matches nothing (every detection stays unmatched).
    const bool no_matching = keypoints && !p.use_cats;

    tbb::enumerable_thread_specific<Scratch> scratch;
    // One task per cell, for all its area ranges: its IoU block is read from memory once.
    tbb::parallel_for(std::size_t{0}, nonempty.size(), [&](std::size_t jc) {
      const std::size_t kc = nonempty[jc] / I;
      const std::uint64_t nkc = per_k[kc + 1] - per_k[kc];
      bool have_row_max = false;
      for (std::size_t ai = 0; ai < A; ++ai) {
        ImageEval& e = ev.image_evals[per_k[kc] * A + ai * nkc + (jc - per_k[kc])];
        const std::size_t c = e.category * I + e.image;
        const AreaRange& ar = p.area_ranges[e.area];
        const std::uint32_t* cdt = cells.dt.data() + cells.dt_off[c];
        const std::uint32_t* cgt = cells.gt.data() + cells.gt_off[c];
        const std::size_t D = e.num_dt, G = e.num_gt;
        Scratch& s = scratch.local();

        // pycocotools: _ignore = ignore (= iscrowd) or area outside [lo, hi]; then a
        // stable argsort puts non-ignored gt first.
        s.order.resize(G);
        s.ignore.resize(G);
        s.flags.resize(A * G);
        std::uint8_t* flags = s.flags.data() + ai * G;
        for (std::size_t g = 0; g < G; ++g) {
          const std::uint32_t j = cgt[g];
          flags[g] = base_ignore[j] || gt.area[j] < ar.lo || gt.area[j] > ar.hi;
        }
        std::size_t pos = 0;
        for (std::uint8_t pass = 0; pass < 2; ++pass)
          for (std::size_t g = 0; g < G; ++g)
            if (flags[g] == pass) { s.order[pos] = static_cast<std::uint32_t>(g); s.ignore[pos] = pass; ++pos; }
        for (std::size_t g = 0; g < G; ++g) {
          ev.gt_index[e.gt_begin + g] = cgt[s.order[g]];
          ev.gt_ignore[e.gt_begin + g] = s.ignore[g];
        }
        std::copy(cdt, cdt + D, ev.dt_index.begin() + static_cast<std::ptrdiff_t>(e.dt_begin));

        std::int32_t* match = ev.dt_match.data() + e.match_begin;
        std::uint8_t* dig = ev.dt_ignore.data() + e.match_begin;
        std::fill_n(match, T * D, -1);
        std::fill_n(dig, T * D, 0);
        if (D > 0 && G > 0 && !no_matching) {
          const double* block = ious.data() + iou_off[c];  // D x G, gt in cell order
          s.matched.resize(G);
          // A detection whose best IoU is below a threshold cannot match there: skip it.
          if (!have_row_max) {  // the same for every area range
            s.row_max.resize(D);
            for (std::size_t d = 0; d < D; ++d)
              s.row_max[d] = *std::max_element(block + d * G, block + d * G + G);
            have_row_max = true;
          }
          s.raw_match.resize(A * T * D);
          s.raw_dig.resize(A * T * D);
          std::size_t same = ai;  // an earlier area range with the same flags, if any
          for (std::size_t q = 0; q < ai && same == ai; ++q)
            if (std::equal(flags, flags + G, s.flags.data() + q * G)) same = q;
          if (same < ai) {
            std::copy_n(s.raw_match.data() + same * T * D, T * D, match);
            std::copy_n(s.raw_dig.data() + same * T * D, T * D, dig);
          }
          for (std::size_t t = 0; t < T && same == ai; ++t) {
            std::fill(s.matched.begin(), s.matched.end(), 0);
            const double thr = std::min(p.iou_thrs[t], 1 - 1e-10);
            for (std::size_t d = 0; d < D; ++d) {
              if (s.row_max[d] < thr) continue;
              double best = thr;
              std::ptrdiff_t m = -1;
              const double* row = block + d * G;
              for (std::size_t g = 0; g < G; ++g) {
                const std::uint32_t j = cgt[s.order[g]];
                if (s.matched[g] && !gt.iscrowd[j]) continue;
                if (m > -1 && !s.ignore[m] && s.ignore[g]) break;
                const double v = row[s.order[g]];
                if (v < best) continue;
                best = v;
                m = static_cast<std::ptrdiff_t>(g);
              }
              if (m == -1) continue;
              dig[t * D + d] = s.ignore[m];
              match[t * D + d] = static_cast<std::int32_t>(cgt[s.order[m]]);
              s.matched[m] = 1;
            }
          }
          if (same == ai && ai + 1 < A) {  // kept for a later area range with the same flags
            std::copy_n(match, T * D, s.raw_match.data() + ai * T * D);
            std::copy_n(dig, T * D, s.raw_dig.data() + ai * T * D);
          }
        }
        // Unmatched detections outside the area range are ignored.
        for (std::size_t d = 0; d < D; ++d) {
          const double area = dt.area[cdt[d]];
          if (area < ar.lo || area > ar.hi)
            for (std::size_t t = 0; t < T; ++t)
              if (match[t * D + d] < 0) dig[t * D + d] = 1;
        }
        std::uint8_t* out = outcome.data() + e.match_begin;
        for (std::size_t i = 0; i < T * D; ++i) out[i] = dig[i] ? 0 : (match[i] >= 0 ? 1 : 2);
      }
    });
    ev.timings.matching = seconds_since(t0);

    // (5) accumulation, one category per task.
    t0 = Clock::now();
    if (options.on_stage) options.on_stage("accumulation");
    // Written category-major ([K][A][M][T][R], each task's slots contiguous) and turned
    // into pycocotools' [T][R][K][A][M] at the end: scattered writes cost more than the rest.
    std::vector<double> prec_k(T * R * K * A * M, -1.0), scores_k(T * R * K * A * M, -1.0);
    ev.recall.assign(T * K * A * M, -1.0);
    // A category's detections are numbered in entry order (entry j's k-th detection is
    // flat[j] + k); `ranked` lists them in pycocotools' order.
    struct Ranked { double score; std::uint32_t entry, rank, flat; };
    struct AccScratch {
      std::vector<Ranked> ranked;
      std::vector<std::uint32_t> flat;    // per entry: its first detection's number
      std::vector<std::uint8_t> by_flat;  // per threshold and detection number: 0 ignored, 1 tp, 2 fp
      std::vector<std::vector<std::uint32_t>> kept, kept_flat;  // per maxDets: ranked positions, numbers
      std::vector<std::uint32_t> tp_pos, tp_fp;
      std::vector<double> tp_pr;
      std::vector<std::uint64_t> need;
    };
    tbb::enumerable_thread_specific<AccScratch> acc_scratch;
    tbb::parallel_for(std::size_t{0}, K, [&](std::size_t k) {
      const std::uint64_t nk = per_k[k + 1] - per_k[k];
      if (nk == 0) return;
      AccScratch& s = acc_scratch.local();
      // All of the category's detections: the same for every area range. pycocotools
      // concatenates images in id order and stable-sorts by -score.
      s.ranked.clear();
      s.flat.resize(nk);
      const ImageEval* first = ev.image_evals.data() + per_k[k] * A;  // area 0
      std::uint32_t nflat = 0;
      for (std::uint64_t j = 0; j < nk; ++j) {
        s.flat[j] = nflat;
        for (std::uint32_t d = 0; d < first[j].num_dt; ++d)
          s.ranked.push_back(
              {dt.score[ev.dt_index[first[j].dt_begin + d]], static_cast<std::uint32_t>(j), d, nflat + d});
        nflat += first[j].num_dt;
      }
      std::sort(s.ranked.begin(), s.ranked.end(), [](const Ranked& x, const Ranked& y) {
        if (x.score != y.score) return x.score > y.score;
        if (x.entry != y.entry) return x.entry < y.entry;
        return x.rank < y.rank;
      });
      const std::size_t nr = s.ranked.size();
      s.kept.resize(M);
      s.kept_flat.resize(M);
      for (std::size_t m = 0; m < M; ++m) {  // a detection counts for maxDets m when its rank is below it
        const std::uint32_t max_det = static_cast<std::uint32_t>(p.max_dets[m]);
        s.kept[m].clear();
        s.kept_flat[m].clear();
        for (std::size_t j = 0; j < nr; ++j)
          if (s.ranked[j].rank < max_det) {
            s.kept[m].push_back(static_cast<std::uint32_t>(j));
            s.kept_flat[m].push_back(s.ranked[j].flat);
          }
      }
      for (std::size_t a = 0; a < A; ++a) {
        const ImageEval* ents = ev.image_evals.data() + per_k[k] * A + a * nk;
        std::uint64_t npig = 0;
        for (std::uint64_t j = 0; j < nk; ++j)
          for (std::uint32_t g = 0; g < ents[j].num_gt; ++g) npig += ev.gt_ignore[ents[j].gt_begin + g] == 0;
        if (npig == 0) continue;
        // Each detection's outcome per threshold, read in memory order (entry by entry).
        s.by_flat.resize(T * nr);
        for (std::uint64_t j = 0; j < nk; ++j) {
          const ImageEval& e = ents[j];
          for (std::size_t t = 0; t < T; ++t)
            std::copy_n(outcome.data() + e.match_begin + t * e.num_dt, e.num_dt,
                        s.by_flat.data() + t * nr + s.flat[j]);
        }
        // Smallest true-positive count c with c / npig >= rec_thrs[r] (exact doubles), or
        // npig + 1 when no count reaches it: searchsorted(rc, recThrs, 'left') in counts.
        s.need.resize(R);
        for (std::size_t r = 0; r < R; ++r) {
          const double thr = p.rec_thrs[r];
          auto reaches = [&](std::uint64_t c) { return static_cast<double>(c) / static_cast<double>(npig) >= thr; };
          std::uint64_t c = static_cast<std::uint64_t>(std::max(0.0, std::min(thr * npig, double(npig))));
          while (c > 0 && reaches(c - 1)) --c;
          while (c <= npig && !reaches(c)) ++c;
          s.need[r] = c;
        }
        for (std::size_t m = 0; m < M; ++m) {
          const std::vector<std::uint32_t>& kept = s.kept[m];
          const std::vector<std::uint32_t>& kept_flat = s.kept_flat[m];
          const std::size_t nd = kept.size();
          s.tp_pr.resize(nd);
          s.tp_pos.resize(nd);
          s.tp_fp.resize(nd);
          for (std::size_t t = 0; t < T; ++t) {
            const std::uint8_t* row = s.by_flat.data() + t * nr;
            // pycocotools keeps rc = tp / npig and pr = tp / (tp + fp + eps) at every kept
            // detection, takes the running maximum of pr from the right, and samples it
            // at the first index where rc >= each recall threshold. Precision only rises
            // at true positives, so the same values come from the true positives alone:
            // the sample for a threshold needing c true positives is the maximum of pr
            // over the true positives from the c-th on (over all of them when c = 0).
            // First the true positives' positions and false-positive counts (written at
            // every detection, kept at true positives: no branch to mispredict), then
            // their precisions: the same integers in the same expression as pycocotools.
            std::uint32_t fp = 0;
            std::size_t ntp = 0;
            for (std::size_t i = 0; i < nd; ++i) {
              const std::uint8_t st = row[kept_flat[i]];
              fp += st == 2;
              s.tp_pos[ntp] = static_cast<std::uint32_t>(i);
              s.tp_fp[ntp] = fp;
              ntp += st == 1;
            }
            for (std::size_t c = 0; c < ntp; ++c) {
              const double tp = static_cast<double>(c + 1);
              s.tp_pr[c] = tp / (static_cast<double>(s.tp_fp[c]) + tp + std::numeric_limits<double>::epsilon());
            }
            ev.recall[((t * K + k) * A + a) * M + m] = nd ? static_cast<double>(ntp) / static_cast<double>(npig) : 0;
            for (std::size_t i = ntp; i-- > 1;)
              if (s.tp_pr[i] > s.tp_pr[i - 1]) s.tp_pr[i - 1] = s.tp_pr[i];
            double* prec = prec_k.data() + (((k * A + a) * M + m) * T + t) * R;
            double* score = scores_k.data() + (((k * A + a) * M + m) * T + t) * R;
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
        }
      }
    });
    ev.precision.resize(T * R * K * A * M);
    ev.scores.resize(T * R * K * A * M);
    const std::size_t KAM = K * A * M;
    tbb::parallel_for(std::size_t{0}, T * R, [&](std::size_t tr) {
      const std::size_t t = tr / R, r = tr % R;
      for (std::size_t kam = 0; kam < KAM; ++kam) {
        ev.precision[tr * KAM + kam] = prec_k[(kam * T + t) * R + r];
        ev.scores[tr * KAM + kam] = scores_k[(kam * T + t) * R + r];
      }
    });
    ev.timings.accumulation = seconds_since(t0);
  });
  return ev;
}

Evaluation evaluate(const GroundTruth& gt, const Detections& dt, const Params& params,
                    const EvalOptions& options) {
  // Refuse what the core overload refuses before building a provider for it.
  check_params(params);
  check_iou_type(gt, dt, params.iou_type);
  auto provider = make_iou_provider(gt, dt, params, options.device);
  return evaluate(gt, dt, params, *provider, options);
}

}  // namespace deteval
