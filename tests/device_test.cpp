// The device registry and the choice of backend (lib/device.hpp), with a fake GPU
// backend so that every rule is checked without a GPU, and the CLI's --device and
// `deteval info --json`. The real GPU backend is tested in cuda_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deteval/device.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/iou_provider.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;

int fake_calls = 0;
bool fake_fails = false;

DeviceReport fake_report() {
  DeviceReport r;
  r.cuda_compiled = true;
  r.runtime_version = r.driver_version = "13.0";
  r.gpus.push_back({0, "Fake GPU", 1ull << 30, 9, 0});
  return r;
}
DeviceReport no_gpu_report() {
  DeviceReport r;
  r.cuda_compiled = true;
  r.note = "no CUDA-capable device is detected";
  return r;
}
// Counts on the CPU (so results stay right) and records the call.
bool fake_counts(const RleStore& dts, const RleStore& gts, std::span<const MaskPair> pairs, IouCounts* out,
                 std::string& error) {
  ++fake_calls;
  if (fake_fails) {
    error = "cudaErrorMemoryAllocation: out of memory";
    return false;
  }
  if (pairs.size() > 10000) {  // the large batch below only checks which backend runs
    std::fill(out, out + pairs.size(), IouCounts{});
    return true;
  }
  mask_iou_counts_cpu(dts, gts, pairs, out);
  return true;
}

/// Leaves the process without a GPU backend, whatever a test registered.
struct RegistryTest : ::testing::Test {
  void SetUp() override { fake_calls = 0, fake_fails = false; }
  void TearDown() override { register_gpu_mask_backend({}); }
};

/// `d` detections and `g` ground truths, all the same striped h x w mask.
struct Masks {
  GroundTruth gt;
  Detections dt;
  std::vector<std::uint32_t> di, gi;
  std::vector<double> out;
  Masks(std::uint32_t d, std::uint32_t g, std::uint32_t runs) {
    Rle r{1000, 1000, std::vector<std::uint32_t>(runs, 1000000 / runs)};
    r.counts.back() += 1000000 % runs;
    for (std::uint32_t i = 0; i < g; ++i) gt.masks.push_back(r), gt.iscrowd.push_back(i % 2), gi.push_back(i);
    for (std::uint32_t i = 0; i < d; ++i) dt.masks.push_back(r), di.push_back(i);
    out.assign(std::size_t{d} * g, -7);
  }
  void compute(const IouProvider& p) {
    const IouTask t{di, gi, out.data()};
    p.compute(std::span(&t, 1));
  }
};

TEST(Device, ParseAndPrint) {
  EXPECT_EQ(parse_device("auto"), Device::auto_);
  EXPECT_EQ(parse_device("cpu"), Device::cpu);
  EXPECT_EQ(parse_device("cuda"), Device::cuda);
  EXPECT_EQ(parse_device("cuda:0"), Device::cuda);
  EXPECT_THROW(parse_device("gpu"), UsageError);
  try {
    parse_device("");
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_EQ(e.parameter(), "device");
    EXPECT_EQ(e.message(), "expected auto, cpu or cuda, got ''");
  }
  EXPECT_STREQ(to_string(Device::auto_), "auto");
}

TEST_F(RegistryTest, WithoutABackendEverythingIsCpu) {
  const DeviceReport r = device_report();
  EXPECT_FALSE(r.cuda_compiled);
  EXPECT_TRUE(r.gpus.empty());
  EXPECT_EQ(gpu_mask_counts(), nullptr);
  EXPECT_EQ(gpu_device_name(), "");
  Masks m(3, 2, 10);
  auto p = make_mask_iou_provider(m.gt, m.dt, Device::auto_);
  ASSERT_TRUE(p);
  m.compute(*p);
  EXPECT_EQ(p->device(), "cpu");
  try {
    make_mask_iou_provider(m.gt, m.dt, Device::cuda);
    FAIL() << "no DeviceError";
  } catch (const DeviceError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::device);
    EXPECT_NE(std::string(e.what()).find("no usable CUDA device (this build has no CUDA backend)"), std::string::npos)
        << e.what();
  }
}

TEST_F(RegistryTest, CompiledButNoGpuIsLikeNoBackend) {
  register_gpu_mask_backend({no_gpu_report, fake_counts});
  EXPECT_TRUE(device_report().cuda_compiled);
  EXPECT_EQ(gpu_device_name(), "");
  Masks m(3, 2, 10);
  EXPECT_THROW(make_mask_iou_provider(m.gt, m.dt, Device::cuda), DeviceError);
  auto p = make_mask_iou_provider(m.gt, m.dt, Device::auto_);
  m.compute(*p);
  EXPECT_EQ(p->device(), "cpu");
  EXPECT_EQ(fake_calls, 0);
}

TEST_F(RegistryTest, CudaAlwaysUsesTheGpuAndAutoOnlyForLargeBatches) {
  register_gpu_mask_backend({fake_report, fake_counts});
  EXPECT_EQ(gpu_device_name(), "cuda:0 Fake GPU");

  Masks small(10, 10, 100);  // work 100 * 200 << kAutoGpuMinWork
  auto cpu = make_mask_iou_provider(small.gt, small.dt, Device::cpu);
  auto cuda = make_mask_iou_provider(small.gt, small.dt, Device::cuda);
  auto autop = make_mask_iou_provider(small.gt, small.dt, Device::auto_);
  ASSERT_TRUE(cpu && cuda && autop);
  EXPECT_EQ(cuda->device(), "cuda:0 Fake GPU");  // before any batch: what was asked for
  small.compute(*cpu);
  const std::vector<double> want = small.out;
  small.compute(*autop);
  EXPECT_EQ(autop->device(), "cpu");
  EXPECT_EQ(fake_calls, 0);
  small.compute(*cuda);
  EXPECT_EQ(cuda->device(), "cuda:0 Fake GPU");
  EXPECT_EQ(fake_calls, 1);
  EXPECT_EQ(small.out, want);

  // 1000 x 1000 pairs of 2 x 2000 runs: 4e9 steps >= kAutoGpuMinWork.
  static_assert(kAutoGpuMinWork <= 1000ull * 1000 * 4000);
  Masks large(1000, 1000, 2000);
  auto big = make_mask_iou_provider(large.gt, large.dt, Device::auto_);
  large.compute(*big);
  EXPECT_EQ(big->device(), "cuda:0 Fake GPU");
  EXPECT_EQ(fake_calls, 2);
}

TEST_F(RegistryTest, AFailingGpuIsADeviceError) {
  register_gpu_mask_backend({fake_report, fake_counts});
  fake_fails = true;
  Masks m(4, 3, 10);
  auto p = make_mask_iou_provider(m.gt, m.dt, Device::cuda);
  try {
    m.compute(*p);
    FAIL() << "no DeviceError";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("cuda:0 Fake GPU: cudaErrorMemoryAllocation"), std::string::npos) << e.what();
  }
}

TEST_F(RegistryTest, EvaluateRespectsTheDeviceForSegmOnly) {
  const auto dir = test::fixture("coco/segm_only_results");
  const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), IouType::segm);
  const Detections dt = read_coco_results((dir / "dt.json").string(), gt, IouType::segm);
  Params segm;
  segm.iou_type = IouType::segm;
  EvalOptions cuda;
  cuda.device = Device::cuda;
  EXPECT_THROW(evaluate(gt, dt, segm, cuda), DeviceError);  // no backend

  register_gpu_mask_backend({fake_report, fake_counts});
  const Evaluation on_gpu = evaluate(gt, dt, segm, cuda);
  EXPECT_EQ(on_gpu.device, "cuda:0 Fake GPU");
  EXPECT_EQ(fake_calls, 1);
  EvalOptions cpu;
  cpu.device = Device::cpu;
  const Evaluation on_cpu = evaluate(gt, dt, segm, cpu);
  EXPECT_EQ(on_cpu.device, "cpu");
  EXPECT_EQ(on_gpu.precision, on_cpu.precision);
  EXPECT_EQ(on_gpu.recall, on_cpu.recall);

  const GroundTruth bgt = read_coco_gt((dir / "gt.json").string(), IouType::bbox);
  const Detections bdt = read_coco_results((dir / "dt.json").string(), bgt, IouType::bbox);
  EXPECT_EQ(evaluate(bgt, bdt, Params{}, cuda).device, "cpu");  // boxes: always the CPU
  EXPECT_EQ(fake_calls, 1);
}

// --- the command line -------------------------------------------------------------

json cli_info() {
  const auto r = test::run_cli("info --json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out);
}

TEST(DeviceCli, InfoJsonSchema) {
  const json info = cli_info();
  ASSERT_TRUE(info.is_object());
  EXPECT_TRUE(info.at("version").is_string());
  EXPECT_EQ(info.at("cuda_compiled").get<bool>(), DETEVAL_CLI_HAS_CUDA != 0);
  EXPECT_TRUE(info.at("threads").is_number_integer());
  ASSERT_TRUE(info.at("gpus").is_array());
  for (const json& g : info["gpus"]) {
    EXPECT_TRUE(g.at("index").is_number_integer());
    EXPECT_TRUE(g.at("name").is_string());
    EXPECT_TRUE(g.at("memory_bytes").is_number_unsigned());
    EXPECT_TRUE(g.at("compute_capability").is_string());
  }
  if (DETEVAL_CLI_HAS_CUDA) EXPECT_TRUE(info.at("cuda_runtime").is_string());
  const auto text = test::run_cli("info");
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("CUDA: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("GPUs:"), std::string::npos) << text.out;
}

TEST(DeviceCli, CudaWithoutAGpuExitsWithCode5) {
  if (!cli_info()["gpus"].empty()) GTEST_SKIP() << "this machine has a GPU (see cuda_test)";
  const auto dir = test::fixture("coco/segm_only_results");
  const auto r = test::run_cli("coco --gt " + test::q(dir / "gt.json") + " --dt " + test::q(dir / "dt.json") +
                               " --iou-type segm --device cuda");
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("deteval: error: --device cuda: no usable CUDA device"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  // Boxes never use the device; auto falls back to the CPU.
  for (const char* args : {" --iou-type bbox --device cuda", " --iou-type segm --device auto"}) {
    test::TempDir tmp;
    const auto ok = test::run_cli("coco --gt " + test::q(dir / "gt.json") + " --dt " + test::q(dir / "dt.json") +
                                  args + " --json " + test::q(tmp / "out.json"));
    EXPECT_EQ(ok.exit_code, 0) << args << ": " << ok.err;
    EXPECT_EQ(json::parse(test::slurp(tmp / "out.json")).at("device"), "cpu") << args;
  }
}

TEST(DeviceCli, BadDeviceIsAUsageError) {
  const auto dir = test::fixture("coco/segm_only_results");
  const auto r = test::run_cli("coco --gt " + test::q(dir / "gt.json") + " --dt " + test::q(dir / "dt.json") +
                               " --iou-type segm --device gpu");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--device: expected auto, cpu or cuda, got 'gpu'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace deteval
