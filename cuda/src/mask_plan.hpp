// Host side of the CUDA mask-IoU backend that needs no CUDA: cutting a batch of
// pairs into chunks that fit the device buffers, giving each mask a chunk uses one
// slot (uploaded once per chunk however many pairs use it), and packing the masks
// as stored (compressed strings as bytes, runs as uint32) into one upload blob.
// Never bitmaps. Plain C++ so that the CPU tests run it (tests/cuda_emulation_test.cpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "deteval/mask_iou.hpp"
#include "deteval/rle.hpp"
#include "mask_kernels.hpp"

namespace deteval::cuda_detail {

struct ChunkLimits {
  std::size_t max_pairs = std::size_t{1} << 20;     ///< 16 MiB of counts
  std::uint64_t max_blob_bytes = std::uint64_t{32} << 20;  ///< 32 MiB of masks (and up to 4x that in boundaries)
};

/// One chunk: pairs [begin, end) of the batch.
struct ChunkPlan {
  std::size_t begin = 0, end = 0;
  std::vector<MaskSlot> slots;
  std::vector<const void*> source;  ///< per slot: the bytes to copy to blob + slots[i].src
  std::vector<std::uint64_t> source_bytes;
  std::vector<PairRef> refs;        ///< end - begin
  std::uint64_t blob_bytes = 0;     ///< blob size (8-aligned)
  std::uint64_t bounds = 0;         ///< boundaries needed
};

/// Reusable planner: per-store maps from mask index to the chunk's slot.
class ChunkPlanner {
 public:
  ChunkPlanner(const RleStore& dts, const RleStore& gts)
      : dts_(dts), gts_(gts), dt_slot_(dts.size(), kNone), gt_slot_(gts.size(), kNone) {}

  /// Plans the chunk that starts at pair `begin` (at least one pair).
  void plan(std::span<const MaskPair> pairs, std::size_t begin, const ChunkLimits& limits, ChunkPlan& out) {
    out.begin = begin;
    out.slots.clear();
    out.source.clear();
    out.source_bytes.clear();
    out.refs.clear();
    out.blob_bytes = 0;
    out.bounds = 0;
    std::size_t k = begin;
    for (; k < pairs.size() && k - begin < limits.max_pairs; ++k) {
      const MaskPair& p = pairs[k];
      const std::uint64_t need = (dt_slot_[p.dt] == kNone ? stored_bytes(dts_, p.dt) + 8 : 0) +
                                 (gt_slot_[p.gt] == kNone ? stored_bytes(gts_, p.gt) + 8 : 0);
      if (k > begin && out.blob_bytes + need > limits.max_blob_bytes) break;
      const std::uint32_t d = slot_of(dts_, dt_slot_, touched_dt_, p.dt, out);
      const std::uint32_t g = slot_of(gts_, gt_slot_, touched_gt_, p.gt, out);
      out.refs.push_back({d, g | (p.crowd ? kCrowdBit : 0u)});
    }
    out.end = k;
    for (std::uint32_t i : touched_dt_) dt_slot_[i] = kNone;
    for (std::uint32_t i : touched_gt_) gt_slot_[i] = kNone;
    touched_dt_.clear();
    touched_gt_.clear();
  }

  /// Copies every slot's data into `blob` (out.blob_bytes bytes).
  static void pack(const ChunkPlan& plan, unsigned char* blob) {
    for (std::size_t i = 0; i < plan.slots.size(); ++i)
      if (plan.source_bytes[i]) std::memcpy(blob + plan.slots[i].src, plan.source[i], plan.source_bytes[i]);
  }

 private:
  static constexpr std::uint32_t kNone = ~0u;

  static std::uint64_t stored_bytes(const RleStore& s, std::uint32_t i) {
    return s.is_compressed(i) ? s.compressed(i).size() : std::uint64_t{4} * s[i].counts.size();
  }

  std::uint32_t slot_of(const RleStore& s, std::vector<std::uint32_t>& map, std::vector<std::uint32_t>& touched,
                        std::uint32_t i, ChunkPlan& out) {
    if (map[i] != kNone) return map[i];
    const auto slot = static_cast<std::uint32_t>(out.slots.size());
    MaskSlot m;
    m.src = out.blob_bytes;
    m.dst = out.bounds;
    if (s.is_compressed(i)) {
      const std::string_view c = s.compressed(i);
      m.length = static_cast<std::uint32_t>(c.size());
      m.compressed = 1;
      out.source.push_back(c.data());
      out.source_bytes.push_back(c.size());
    } else {
      const RleView v = s[i];
      m.length = static_cast<std::uint32_t>(v.counts.size());
      out.source.push_back(v.counts.data());
      out.source_bytes.push_back(std::uint64_t{4} * v.counts.size());
    }
    out.blob_bytes = (out.blob_bytes + out.source_bytes.back() + 7) & ~std::uint64_t{7};  // runs stay 4-aligned
    out.bounds += boundary_capacity(m.length);
    out.slots.push_back(m);
    map[i] = slot;
    touched.push_back(i);
    return slot;
  }

  const RleStore& dts_;
  const RleStore& gts_;
  std::vector<std::uint32_t> dt_slot_, gt_slot_, touched_dt_, touched_gt_;
};

/// The whole backend on the host, chunk by chunk, with the functions the kernels
/// run: what the tests compare with the CPU backend when no GPU is present.
inline bool emulate_counts(const RleStore& dts, const RleStore& gts, std::span<const MaskPair> pairs,
                           PairCounts* out, const ChunkLimits& limits = {}) {
  ChunkPlanner planner(dts, gts);
  ChunkPlan plan;
  std::vector<unsigned char> blob;
  std::vector<std::uint32_t> bounds;
  std::vector<MaskRuns> runs;
  for (std::size_t begin = 0; begin < pairs.size(); begin = plan.end) {
    planner.plan(pairs, begin, limits, plan);
    blob.assign(plan.blob_bytes, 0);
    ChunkPlanner::pack(plan, blob.data());
    bounds.assign(plan.bounds, 0);
    runs.resize(plan.slots.size());
    for (std::size_t i = 0; i < plan.slots.size(); ++i) runs[i] = decode_mask(plan.slots[i], blob.data(), bounds.data());
    std::uint32_t ok = 1;
    for (std::size_t k = 0; k < plan.refs.size(); ++k)
      out[plan.begin + k] = pair_counts(plan.refs[k], plan.slots.data(), runs.data(), bounds.data(), ok);
    if (!ok) return false;
  }
  return true;
}

}  // namespace deteval::cuda_detail
