// Mask IoU throughput: pairs per second of the CPU backend (1 thread, all threads)
// and of the GPU backend (when built and a GPU is present), on synthetic cells:
//   (a) COCO-like: 480 x 640 images, 100 detections x 7 objects of one category
//   (b) dense high resolution: 1024 x 1024 images, 300 detections x 50 objects
// Objects are ellipses (two runs per column they span), detections are jittered
// copies of objects (70%) or random ellipses (30%). As with real files, detections
// are held compressed (the fast reader keeps COCO's strings) and ground truths as runs.
//
// Two rates per backend:
//   cells  D x G pairs of every cell through IouProvider::compute (box prefilter,
//          batching, counting, division): what an evaluation waits for;
//   counts the pairs the prefilter leaves, through the backend's count function
//          alone; for the GPU this includes packing, upload, decode on the device,
//          the kernels and the download.
//
//   mask_iou_bench [--images-a N] [--images-b N] [--min-seconds S]
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "deteval/device.hpp"
#include "deteval/iou_provider.hpp"
#include "deteval/mask.hpp"
#include "deteval/mask_iou.hpp"
#ifdef DETEVAL_HAVE_CUDA
#include "deteval/cuda/backend.hpp"
#endif

namespace {

using namespace deteval;
using Clock = std::chrono::steady_clock;

struct Ellipse {
  double cx, cy, rx, ry;
};

Rle ellipse_rle(const Ellipse& e, std::uint32_t h, std::uint32_t w) {
  Rle r{h, w, {}};
  std::uint64_t pos = 0, last = 0;  // pixel index where the current 0-run started
  const long x0 = std::max(0L, static_cast<long>(std::floor(e.cx - e.rx)));
  const long x1 = std::min(static_cast<long>(w) - 1, static_cast<long>(std::ceil(e.cx + e.rx)));
  for (long x = x0; x <= x1; ++x) {
    const double t = (x + 0.5 - e.cx) / e.rx;
    if (t * t >= 1) continue;
    const double dy = e.ry * std::sqrt(1 - t * t);
    const long y0 = std::max(0L, std::lround(e.cy - dy)), y1 = std::min(static_cast<long>(h), std::lround(e.cy + dy));
    if (y1 <= y0) continue;
    pos = static_cast<std::uint64_t>(x) * h + y0;
    r.counts.push_back(static_cast<std::uint32_t>(pos - last));
    r.counts.push_back(static_cast<std::uint32_t>(y1 - y0));
    last = static_cast<std::uint64_t>(x) * h + y1;
  }
  r.counts.push_back(static_cast<std::uint32_t>(std::uint64_t{h} * w - last));
  // Merge 1-runs that touch across columns (a 0-run of length 0 between them).
  Rle c{h, w, {r.counts[0]}};
  for (std::size_t i = 1; i < r.counts.size(); ++i) {
    if (i % 2 == 0 && r.counts[i] == 0 && i + 1 < r.counts.size()) {
      c.counts.back() += r.counts[++i];
      continue;
    }
    c.counts.push_back(r.counts[i]);
  }
  return c;
}

struct Workload {
  const char* name;
  std::uint32_t h, w, dets, objects, images;
  double min_r, max_r;  // object radius as a fraction of the image's smaller side
};

struct Data {
  GroundTruth gt;
  Detections dt;
  std::vector<std::vector<std::uint32_t>> dti, gti;  // per image (one cell each)
  std::vector<double> out;
  std::vector<IouTask> tasks;
  std::uint64_t cell_pairs = 0, runs = 0;
};

Data make_data(const Workload& wl, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Data d;
  const double side = std::min(wl.h, wl.w);
  auto random_ellipse = [&] {
    return Ellipse{u(rng) * wl.w, u(rng) * wl.h, side * (wl.min_r + u(rng) * (wl.max_r - wl.min_r)),
                   side * (wl.min_r + u(rng) * (wl.max_r - wl.min_r))};
  };
  for (std::uint32_t img = 0; img < wl.images; ++img) {
    std::vector<Ellipse> objects;
    auto& gi = d.gti.emplace_back();
    auto& di = d.dti.emplace_back();
    for (std::uint32_t k = 0; k < wl.objects; ++k) {
      objects.push_back(random_ellipse());
      const Rle r = ellipse_rle(objects.back(), wl.h, wl.w);
      d.runs += r.counts.size();
      gi.push_back(static_cast<std::uint32_t>(d.gt.masks.size()));
      d.gt.masks.push_back(r);
      d.gt.iscrowd.push_back(k % 10 == 9);
    }
    for (std::uint32_t k = 0; k < wl.dets; ++k) {
      Ellipse e = random_ellipse();
      if (u(rng) < 0.7) {
        e = objects[rng() % objects.size()];
        e.cx += (u(rng) - 0.5) * 0.2 * e.rx;
        e.cy += (u(rng) - 0.5) * 0.2 * e.ry;
        e.rx *= 0.8 + 0.4 * u(rng);
        e.ry *= 0.8 + 0.4 * u(rng);
      }
      const Rle r = ellipse_rle(e, wl.h, wl.w);
      d.runs += r.counts.size();
      di.push_back(static_cast<std::uint32_t>(d.dt.masks.size()));
      d.dt.masks.push_back_compressed(rle_to_string(r), wl.h, wl.w);
    }
    d.cell_pairs += std::uint64_t{wl.dets} * wl.objects;
  }
  d.out.resize(d.cell_pairs);
  std::uint64_t off = 0;
  for (std::uint32_t img = 0; img < wl.images; ++img) {
    d.tasks.push_back({d.dti[img], d.gti[img], d.out.data() + off});
    off += d.dti[img].size() * d.gti[img].size();
  }
  return d;
}

/// The pairs the provider's prefilter leaves (boxes overlap, same size).
std::vector<MaskPair> counted_pairs(const Data& d) {
  std::vector<MaskPair> pairs;
  std::vector<std::uint32_t> scratch;
  std::vector<Box> db(d.dt.masks.size()), gb(d.gt.masks.size());
  for (std::size_t i = 0; i < db.size(); ++i) db[i] = rle_to_bbox(d.dt.masks.view(i, scratch));
  for (std::size_t i = 0; i < gb.size(); ++i) gb[i] = rle_to_bbox(d.gt.masks.view(i, scratch));
  for (std::size_t img = 0; img < d.dti.size(); ++img)
    for (std::uint32_t di : d.dti[img])
      for (std::uint32_t gi : d.gti[img])
        if (box_iou(db[di], gb[gi], d.gt.iscrowd[gi] != 0) > 0) pairs.push_back({di, gi, d.gt.iscrowd[gi]});
  return pairs;
}

template <class F>
double best_seconds(F&& f, double min_seconds) {
  double best = 1e300, total = 0;
  for (int rep = 0; rep < 3 || total < min_seconds; ++rep) {
    const auto t0 = Clock::now();
    f();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::min(best, s);
    total += s;
    if (rep >= 50) break;
  }
  return best;
}

void print_row(const char* backend, std::uint64_t cell_pairs, double cell_s, std::uint64_t counted, double count_s) {
  std::printf("| %-22s | %10.2f M/s | %10.2f M/s |\n", backend, cell_pairs / cell_s / 1e6, counted / count_s / 1e6);
}

bool same(const std::vector<IouCounts>& a, const std::vector<IouCounts>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(IouCounts)) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint32_t images_a = 200, images_b = 20;
  double min_seconds = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--images-a")) images_a = static_cast<std::uint32_t>(std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--images-b")) images_b = static_cast<std::uint32_t>(std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--min-seconds")) min_seconds = std::atof(argv[i + 1]);
  }
#ifdef DETEVAL_HAVE_CUDA
  cuda::register_backend();
#endif
  const DeviceReport report = device_report();
  const std::string gpu = gpu_device_name();
  std::printf("threads: %d; CUDA backend: %s; GPU: %s\n", tbb::info::default_concurrency(),
              report.cuda_compiled ? "compiled" : "not compiled", gpu.empty() ? "none" : gpu.c_str());

  const Workload workloads[] = {
      {"(a) COCO-like 480x640, 100 dt x 7 gt", 480, 640, 100, 7, images_a, 0.03, 0.25},
      {"(b) dense 1024x1024, 300 dt x 50 gt", 1024, 1024, 300, 50, images_b, 0.02, 0.15},
  };
  int rc = 0;
  for (const Workload& wl : workloads) {
    const Data d = make_data(wl, 42);
    const std::vector<MaskPair> pairs = counted_pairs(d);
    std::printf("\n%s: %u images, %llu cell pairs, %zu counted after the box prefilter, %.0f runs per mask\n", wl.name,
                wl.images, static_cast<unsigned long long>(d.cell_pairs), pairs.size(),
                double(d.runs) / (d.dt.masks.size() + d.gt.masks.size()));
    std::printf("| %-22s | %14s | %14s |\n|---|---:|---:|\n", "backend", "cells", "counts");
    std::vector<IouCounts> want(pairs.size()), got(pairs.size());
    mask_iou_counts_cpu(d.dt.masks, d.gt.masks, pairs, want.data());

    for (int threads : {1, 0}) {
      std::unique_ptr<tbb::global_control> limit;
      if (threads) limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
      auto provider = make_mask_iou_provider(d.gt, d.dt);
      const double cell_s = best_seconds([&] { provider->compute(d.tasks); }, min_seconds);
      const double count_s =
          best_seconds([&] { mask_iou_counts_cpu(d.dt.masks, d.gt.masks, pairs, got.data()); }, min_seconds);
      const std::string name = threads ? "CPU, 1 thread" : "CPU, " + std::to_string(tbb::info::default_concurrency()) + " threads";
      print_row(name.c_str(), d.cell_pairs, cell_s, pairs.size(), count_s);
    }
    if (!gpu.empty()) {
      auto provider = make_mask_iou_provider(d.gt, d.dt, Device::cuda);
      provider->compute(d.tasks);  // warm-up: context creation and buffers
      const double cell_s = best_seconds([&] { provider->compute(d.tasks); }, min_seconds);
      const GpuMaskCountsFn counts = gpu_mask_counts();
      bool ok = true;
      const double count_s =
          best_seconds([&] { ok = ok && counts(d.dt.masks, d.gt.masks, pairs, got.data(), error); }, min_seconds);
      if (!ok || !same(got, want)) {
        std::printf("GPU FAILED: %s\n", ok ? "counts differ from the CPU's" : error.c_str());
        rc = 1;
      }
      print_row(("GPU " + gpu).c_str(), d.cell_pairs, cell_s, pairs.size(), count_s);
    } else {
      std::printf("| %-22s | %14s | %14s |\n", "GPU", "not measured", "not measured");
    }
  }
  return rc;
}
