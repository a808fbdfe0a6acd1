// `board suspicious`: submissions of different users that look copied.
//
// Unit of comparison: the earliest submission of each (user, file hash). Two units of
// different users are "identical" when their hashes are equal, "near-identical" when
// at least `threshold` of the detections of the larger one also appear in the other
// (multiset intersection): same image, same category, box and score equal after
// rounding to 6 decimals (1e-6). A bottom-k MinHash sketch skips pairs that cannot
// reach the threshold; candidates are then counted exactly.
#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "deteval/board/board.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "score.hpp"
#include "sqlite.hpp"
#include "store.hpp"

namespace deteval::board {

namespace {

constexpr std::size_t kSketch = 256;

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h = (h ^ (h >> 31)) * 0x7fb5d329728ea185ULL;
  return h ^ (h >> 27);
}

std::uint64_t q(double v) { return static_cast<std::uint64_t>(std::llround(v * 1e6)); }

struct Fingerprint {
  std::vector<std::uint64_t> keys;    // sorted, with repeats (a multiset)
  std::vector<std::uint64_t> sketch;  // the kSketch smallest distinct keys
};

Fingerprint fingerprint(const Detections& dt) {
  Fingerprint f;
  f.keys.reserve(dt.size());
  for (std::size_t j = 0; j < dt.size(); ++j) {
    std::uint64_t h = mix(dt.image[j], dt.category[j]);
    h = mix(h, q(dt.box[j].x));
    h = mix(h, q(dt.box[j].y));
    h = mix(h, q(dt.box[j].w));
    h = mix(h, q(dt.box[j].h));
    f.keys.push_back(mix(h, q(dt.score[j])));
  }
  std::sort(f.keys.begin(), f.keys.end());
  for (std::uint64_t k : f.keys) {
    if (f.sketch.size() == kSketch) break;
    if (f.sketch.empty() || f.sketch.back() != k) f.sketch.push_back(k);
  }
  return f;
}

// Estimated Jaccard similarity of the key sets (exact when both have <= kSketch keys).
double sketch_jaccard(const Fingerprint& a, const Fingerprint& b) {
  std::size_t i = 0, j = 0, taken = 0, both = 0;
  while (taken < kSketch && (i < a.sketch.size() || j < b.sketch.size())) {
    if (j == b.sketch.size() || (i < a.sketch.size() && a.sketch[i] < b.sketch[j])) {
      ++i;
    } else if (i == a.sketch.size() || b.sketch[j] < a.sketch[i]) {
      ++j;
    } else {
      ++i, ++j, ++both;
    }
    ++taken;
  }
  return taken ? static_cast<double>(both) / static_cast<double>(taken) : 0;
}

std::size_t shared(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::size_t i = 0, j = 0, n = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) ++i;
    else if (b[j] < a[i]) ++j;
    else ++i, ++j, ++n;
  }
  return n;
}

}  // namespace

std::vector<SuspiciousPair> Board::suspicious(const std::string& task_name, double threshold) {
  const Task t = task(task_name);
  std::vector<SubmissionRef> units;
  {
    sql::Stmt s(*db_,
                "SELECT min(s.id), s.user_id, u.name, s.sha256, min(s.submitted_at), s.detections FROM submissions s "
                "JOIN users u ON u.id = s.user_id WHERE s.task_name = ? AND s.status = 'scored' "
                "GROUP BY s.user_id, s.sha256 ORDER BY min(s.id)");
    s.bind(1, t.name);
    while (s.step()) {
      SubmissionRef r;
      r.id = s.i64(0);
      r.user = s.text(1);
      r.name = s.text(2);
      r.sha256 = s.text(3);
      r.submitted_at = s.i64(4);
      r.detections = static_cast<std::size_t>(s.i64(5));
      units.push_back(std::move(r));
    }
  }
  std::vector<SuspiciousPair> out;
  // Identical files.
  for (std::size_t i = 0; i < units.size(); ++i)
    for (std::size_t j = i + 1; j < units.size(); ++j)
      if (units[i].sha256 == units[j].sha256 && units[i].user != units[j].user)
        out.push_back({"identical", 1.0, units[i], units[j]});

  // Near-identical: fingerprints of each distinct file, parsed as the scorer parsed it.
  std::map<std::string, Fingerprint> prints;
  bool any_candidate = false;
  for (std::size_t i = 0; i < units.size() && !any_candidate; ++i)
    for (std::size_t j = i + 1; j < units.size() && !any_candidate; ++j)
      any_candidate = units[i].user != units[j].user && units[i].sha256 != units[j].sha256;
  if (!any_candidate) return out;
  const std::string content = store::get(store_dir(), t.gt_sha256);
  const IouType type = t.metric == Metric::coco_segm ? IouType::segm : IouType::bbox;
  const GroundTruth gt = parse_coco_gt(content, "stored ground truth", type);
  for (const SubmissionRef& u : units) {
    if (prints.count(u.sha256)) continue;
    const Detections dt = parse_coco_results(store::get(store_dir(), u.sha256), "submission " + std::to_string(u.id),
                                             gt, type);
    prints.emplace(u.sha256, fingerprint(dt));
  }
  // A Jaccard similarity of multisets with shared >= threshold * max is at least
  // threshold / (2 - threshold); the sketch's estimate gets a generous margin.
  const double jaccard_floor = threshold / (2 - threshold) - 0.2;
  for (std::size_t i = 0; i < units.size(); ++i)
    for (std::size_t j = i + 1; j < units.size(); ++j) {
      const SubmissionRef &a = units[i], &b = units[j];
      if (a.user == b.user || a.sha256 == b.sha256) continue;
      const Fingerprint &fa = prints.at(a.sha256), &fb = prints.at(b.sha256);
      const std::size_t larger = std::max(fa.keys.size(), fb.keys.size());
      const std::size_t smaller = std::min(fa.keys.size(), fb.keys.size());
      if (larger == 0 || static_cast<double>(smaller) < threshold * static_cast<double>(larger)) continue;
      if (sketch_jaccard(fa, fb) < jaccard_floor) continue;
      const double sim = static_cast<double>(shared(fa.keys, fb.keys)) / static_cast<double>(larger);
      if (sim >= threshold) out.push_back({"near-identical", sim, a, b});
    }
  std::stable_sort(out.begin(), out.end(), [](const SuspiciousPair& x, const SuspiciousPair& y) {
    return x.a.id != y.a.id ? x.a.id < y.a.id : x.b.id < y.b.id;
  });
  return out;
}

}  // namespace deteval::board
