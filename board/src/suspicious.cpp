// `board suspicious`: submissions of different users that look copied.
//
// Unit of comparison: the earliest submission of each (user, file hash). Two units of
// different users are "identical" when their hashes are equal; "near-identical" when
// compare_detections (similarity.hpp) finds that both share at least `threshold` of
// their detections; "equal-score" when their public scores agree to 1e-9 although the
// files differ (an independent model does not land on the same AP by chance). Sketches
// stored at submit time prune the pairs; candidates are compared exactly.
#include <algorithm>
#include <cmath>
#include <map>

#include <tbb/parallel_for.h>

#include "deteval/board/board.hpp"
#include "deteval/board/similarity.hpp"
#include "deteval/formats/coco.hpp"
#include "queries.hpp"
#include "store.hpp"

namespace deteval::board {

using namespace detail;

namespace {

struct Unit {
  SubmissionRef ref;
  std::string sketch;  ///< stored bytes; empty for submissions recorded before sketches existed
};

std::vector<Unit> load_units(sql::Db& db, const std::string& task) {
  std::vector<Unit> units;
  sql::Stmt s(db,
              "SELECT s.id, s.user_id, u.name, s.sha256, s.submitted_at, s.detections, s.public_score, s.sketch "
              "FROM submissions s JOIN users u ON u.id = s.user_id WHERE s.status = 'scored' AND s.id IN "
              "(SELECT min(id) FROM submissions WHERE task_name = ? AND status = 'scored' GROUP BY user_id, sha256) "
              "ORDER BY s.id");
  s.bind(1, task);
  while (s.step()) {
    Unit u;
    u.ref.id = s.i64(0);
    u.ref.user = s.text(1);
    u.ref.name = s.text(2);
    u.ref.sha256 = s.text(3);
    u.ref.submitted_at = s.i64(4);
    u.ref.detections = static_cast<std::size_t>(s.i64(5));
    u.ref.public_score = s.opt_f64(6);
    u.sketch = s.blob(7);
    units.push_back(std::move(u));
  }
  return units;
}

bool equal_scores(const SubmissionRef& a, const SubmissionRef& b) {
  return a.public_score && b.public_score && std::fabs(*a.public_score - *b.public_score) <= kEqualScoreTolerance;
}

using PairKey = std::pair<std::size_t, std::size_t>;  // unit indices, earlier first

// The pairs flagged without looking inside the files: same hash, or equal public scores.
std::map<PairKey, SuspiciousPair> flag_by_hash_and_score(const std::vector<Unit>& units) {
  std::map<PairKey, SuspiciousPair> flagged;
  for (std::size_t i = 0; i < units.size(); ++i)
    for (std::size_t j = i + 1; j < units.size(); ++j) {
      const SubmissionRef &a = units[i].ref, &b = units[j].ref;
      if (a.user == b.user) continue;
      if (a.sha256 == b.sha256) flagged[{i, j}] = {"identical", 1.0, 1.0, 1.0, a.detections, 1.0, a, b};
      else if (equal_scores(a, b)) flagged[{i, j}] = {"equal-score", 0, 0, 0, 0, std::nullopt, a, b};
    }
  return flagged;
}

// Submitted files parsed on demand (each once), against the task's ground truth.
class ParsedFiles {
 public:
  ParsedFiles(store::Files& files, const Task& t) : files_(files), task_(t) {}
  const GroundTruth& gt() {
    if (!gt_) gt_ = load_gt(files_, task_);
    return *gt_;
  }
  const Detections& of(const SubmissionRef& r) {
    auto it = parsed_.find(r.sha256);
    if (it == parsed_.end())
      it = parsed_
               .emplace(r.sha256, parse_coco_results(files_.get(r.sha256),
                                                     "submission " + std::to_string(r.id), gt(), type()))
               .first;
    return it->second;
  }
  IouType type() const { return iou_type_of(task_.metric); }

 private:
  store::Files& files_;
  const Task& task_;
  std::optional<GroundTruth> gt_;
  std::map<std::string, Detections> parsed_;
};

// Each unit's sketch: stored at submit time, computed here for older submissions.
std::vector<DetectionSketch> unit_sketches(const std::vector<Unit>& units, ParsedFiles& files) {
  std::vector<DetectionSketch> sketches(units.size());
  for (std::size_t i = 0; i < units.size(); ++i) {
    auto s = sketch_from_bytes(units[i].sketch);
    sketches[i] = s ? std::move(*s) : sketch_detections(files.of(units[i].ref), files.gt());
  }
  return sketches;
}

// The exact comparison of each candidate pair of different files (parsed serially,
// compared in parallel).
std::vector<Similarity> compare_candidates(const std::vector<Unit>& units, const std::vector<PairKey>& candidates,
                                           ParsedFiles& files) {
  std::vector<const Detections*> a(candidates.size(), nullptr), b(candidates.size(), nullptr);
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    const auto [i, j] = candidates[k];
    if (units[i].ref.sha256 == units[j].ref.sha256) continue;
    a[k] = &files.of(units[i].ref);
    b[k] = &files.of(units[j].ref);
  }
  std::vector<Similarity> sims(candidates.size());
  tbb::parallel_for(std::size_t{0}, candidates.size(), [&](std::size_t k) {
    if (a[k]) sims[k] = compare_detections(*a[k], *b[k], files.type());
  });
  return sims;
}

}  // namespace

std::vector<SuspiciousPair> Board::suspicious(const std::string& task_name, double threshold) {
  const Task t = task(task_name);
  const std::vector<Unit> units = load_units(*db_, t.name);
  std::map<PairKey, SuspiciousPair> flagged = flag_by_hash_and_score(units);
  ParsedFiles files(*files_, t);
  std::vector<std::size_t> owner(units.size());
  std::map<std::string, std::size_t> owner_ids;
  for (std::size_t i = 0; i < units.size(); ++i)
    owner[i] = owner_ids.try_emplace(units[i].ref.user, owner_ids.size()).first->second;
  // A generous floor: the sketch is an estimate, and boxes on a cell border lose their key.
  auto candidates = candidate_pairs(unit_sketches(units, files), owner, threshold / 2);
  for (const auto& [pair, p] : flagged)  // equal scores are always compared exactly
    if (p.kind == "equal-score") candidates.push_back(pair);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  const std::vector<Similarity> sims = compare_candidates(units, candidates, files);
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    const auto [i, j] = candidates[k];
    if (units[i].ref.sha256 == units[j].ref.sha256) continue;
    const Similarity& s = sims[k];
    const bool similar = s.similarity() >= threshold;
    if (!similar && !flagged.count(candidates[k])) continue;
    flagged[candidates[k]] = {similar ? "near-identical" : "equal-score", s.similarity(), s.fraction_a, s.fraction_b,
                              s.matched, s.rank_correlation, units[i].ref, units[j].ref};
  }
  std::vector<SuspiciousPair> out;
  for (auto& [pair, p] : flagged) out.push_back(std::move(p));  // by (a, b): earlier submission first
  return out;
}

}  // namespace deteval::board
