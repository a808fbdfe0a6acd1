// The CUDA backend on a GPU: integer counts and whole evaluations bit-identical to
// the CPU. Skipped (GTEST_SKIP) without the backend or without a usable GPU; the
// arithmetic and chunking are also covered on the CPU by cuda_emulation_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deteval/device.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/summary.hpp"
#include "mask_gen.hpp"
#include "test_util.hpp"
#ifdef DETEVAL_HAVE_CUDA
#include "deteval/cuda/backend.hpp"
#endif

namespace deteval {
namespace {

class Cuda : public ::testing::Test {
 protected:
  void SetUp() override {
#ifdef DETEVAL_HAVE_CUDA
    cuda::register_backend();
    const DeviceReport r = device_report();
    if (r.gpus.empty()) GTEST_SKIP() << "no usable GPU: " << r.note;
#else
    GTEST_SKIP() << "built without the CUDA backend";
#endif
  }
};

void expect_gpu_equals_cpu(const RleStore& dts, const RleStore& gts, std::span<const MaskPair> pairs) {
  std::vector<IouCounts> cpu(pairs.size()), gpu(pairs.size(), IouCounts{~0ull, ~0ull});
  mask_iou_counts_cpu(dts, gts, pairs, cpu.data());
  const GpuMaskCountsFn counts = gpu_mask_counts();
  ASSERT_NE(counts, nullptr);
  std::string error;
  ASSERT_TRUE(counts(dts, gts, pairs, gpu.data(), error)) << error;
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    ASSERT_EQ(gpu[k].intersection, cpu[k].intersection) << "pair " << k;
    ASSERT_EQ(gpu[k].union_, cpu[k].union_) << "pair " << k;
  }
}

TEST_F(Cuda, DeviceReport) {
  const DeviceReport r = device_report();
  EXPECT_TRUE(r.cuda_compiled);
  EXPECT_FALSE(r.runtime_version.empty());
  EXPECT_FALSE(r.driver_version.empty());
  EXPECT_GT(r.gpus.front().memory_bytes, 0u);
  EXPECT_EQ(gpu_device_name().rfind("cuda:0 ", 0), 0u) << gpu_device_name();
}

TEST_F(Cuda, RandomizedStressCountsAreBitIdentical) {
  // Thousands of pairs: empty, full, 1x1, 1x4000, 4000x1, 4000x4000, rectangles and
  // random runs (with empty runs inside), compressed and as runs, crowd and not.
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    const test::StressBatch b = test::stress_batch(seed);
    SCOPED_TRACE(seed);
    expect_gpu_equals_cpu(b.dts, b.gts, b.pairs);
  }
}

TEST_F(Cuda, EmptyAndRepeatedBatchesReuseTheContext) {
  const test::StressBatch b = test::stress_batch(5, 30);
  expect_gpu_equals_cpu(b.dts, b.gts, {});
  for (int i = 0; i < 3; ++i) expect_gpu_equals_cpu(b.dts, b.gts, b.pairs);
  // A batch larger than one chunk (1M pairs): several chunks through both stages.
  std::vector<MaskPair> many;
  for (std::size_t k = 0; many.size() < 2'500'000; ++k) many.push_back(b.pairs[k % b.pairs.size()]);
  expect_gpu_equals_cpu(b.dts, b.gts, many);
}

TEST_F(Cuda, InvalidDataIsAnErrorNotACrash) {
  RleStore dts, gts;
  dts.push_back_compressed("0?!", 1, 3);
  gts.push_back(Rle{1, 3, {0, 3}});
  const MaskPair p{0, 0, 0};
  IouCounts c;
  std::string error;
  EXPECT_FALSE(gpu_mask_counts()(dts, gts, std::span(&p, 1), &c, error));
  EXPECT_NE(error.find("did not decode"), std::string::npos) << error;
  // ... and the backend works afterwards.
  const test::StressBatch b = test::stress_batch(9, 20);
  expect_gpu_equals_cpu(b.dts, b.gts, b.pairs);
}

// Every segm conformance case: the whole evaluation on both devices, every array equal.
TEST_F(Cuda, SegmFixturesAreBitIdentical) {
  int cases = 0;
  for (const auto& dir : std::filesystem::directory_iterator(test::fixture("coco"))) {
    if (!std::filesystem::exists(dir.path() / "expected_segm.json")) continue;
    SCOPED_TRACE(dir.path().filename().string());
    Params params;
    params.iou_type = IouType::segm;
    if (std::filesystem::exists(dir.path() / "params.json"))
      read_coco_params((dir.path() / "params.json").string(), params);
    const GroundTruth gt = read_coco_gt((dir.path() / "gt.json").string(), IouType::segm);
    const Detections dt = read_coco_results((dir.path() / "dt.json").string(), gt, IouType::segm);
    EvalOptions cpu, gpu;
    cpu.device = Device::cpu;
    gpu.device = Device::cuda;
    const Evaluation a = evaluate(gt, dt, params, cpu), b = evaluate(gt, dt, params, gpu);
    EXPECT_EQ(a.device, "cpu");
    EXPECT_EQ(b.device.rfind("cuda:0 ", 0), 0u) << b.device;
    EXPECT_EQ(a.precision, b.precision);
    EXPECT_EQ(a.recall, b.recall);
    EXPECT_EQ(a.scores, b.scores);
    EXPECT_EQ(a.dt_match, b.dt_match);
    EXPECT_EQ(summarize(a).stats, summarize(b).stats);
    ++cases;
  }
  EXPECT_GT(cases, 3);
}

TEST_F(Cuda, CommandLineRecordsTheDevice) {
  const auto dir = test::fixture("coco/segm_only_results");
  test::TempDir tmp;
  const auto r = test::run_cli("coco --gt " + test::q(dir / "gt.json") + " --dt " + test::q(dir / "dt.json") +
                               " --iou-type segm --device cuda --json " + test::q(tmp / "out.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(test::slurp(tmp / "out.json"));
  EXPECT_EQ(doc.at("device").get<std::string>().rfind("cuda:0 ", 0), 0u) << doc.at("device");
}

}  // namespace
}  // namespace deteval
