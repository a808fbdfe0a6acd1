// gen_lvis_scale: writes a deterministic, synthetic case shaped like LVIS v1 val for the
// `deteval lvis` benchmark (bench/lvis_scale.py runs it).
//
//   gen_lvis_scale --out DIR [--images 19809] [--dets-per-image 300] [--seed 20241206] [--no-segm]
//
// DIR/gt.json: 1,203 categories (ids 1..1203; 337 rare, 461 common, 405 frequent, shuffled
// over the ids as in LVIS), images of 480x640 / 640x480 / 640x427 / 427x640 with sparse ids,
// about 12 instances per image (polygons; small/medium/large mix; a category's chance of
// appearing follows its frequency bin), neg_category_ids (0-12 categories absent from the
// image) and not_exhaustive_category_ids (about 1 in 8 positive categories).
// DIR/dt.json: exactly --dets-per-image results per image (boxes and compressed-RLE masks),
// as a detector's top-K: noisy hits on the GT (with duplicates), hits on objects nobody
// annotated, mislabelled hits, and false positives spread over positive, negative and
// unlisted categories (the federated rules drop the last); scores follow hit quality.
//
// Image i's content depends only on (seed, i): `--images N` writes the first N images of
// the full case, so a 10% slice is the same data as the full run's first tenth.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstdarg>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "deteval/mask.hpp"

namespace {

// splitmix64: the same numbers on every platform (std's distributions are not).
struct Rng {
  std::uint64_t s;
  explicit Rng(std::uint64_t seed) : s(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(uniform() * n); }
  double normal() {  // Box-Muller, one value
    const double u = std::max(uniform(), 1e-300), v = uniform();
    return std::sqrt(-2 * std::log(u)) * std::cos(6.283185307179586 * v);
  }
};

constexpr int kCategories = 1203, kRare = 337, kCommon = 461;

struct Category {
  char freq;
  double weight;  // chance of being positive in an image
  int image_count;
};

std::vector<Category> make_categories(std::uint64_t seed) {
  Rng r(seed * 7919 + 1);
  std::vector<char> freq(kCategories);
  for (int k = 0; k < kCategories; ++k) freq[k] = k < kRare ? 'r' : k < kRare + kCommon ? 'c' : 'f';
  for (int k = kCategories - 1; k > 0; --k) std::swap(freq[k], freq[r.below(static_cast<std::uint32_t>(k + 1))]);
  std::vector<Category> cats(kCategories);
  for (int k = 0; k < kCategories; ++k) {
    Category& c = cats[k];
    c.freq = freq[k];
    // Frequent categories dominate, as in LVIS (about 90% of instances are of 'f' ones).
    if (c.freq == 'r') c.image_count = 1 + static_cast<int>(r.below(10)), c.weight = 0.05 * r.uniform(0.2, 1);
    else if (c.freq == 'c') c.image_count = 11 + static_cast<int>(r.below(90)), c.weight = 0.4 * r.uniform(0.2, 1);
    else c.image_count = 101 + static_cast<int>(r.below(3000)), c.weight = 4.0 * std::exp(r.uniform(0, 3));
  }
  return cats;
}

struct Object {
  int cat;
  std::vector<double> xy;  // polygon
  double cx, cy, size;
};

// A star-shaped polygon around (cx, cy) with radius about `size / 2`.
std::vector<double> blob(Rng& r, double cx, double cy, double size, double aspect, int n, double jitter) {
  std::vector<double> xy(2 * n);
  const double a0 = r.uniform(0, 6.283185307179586);
  for (int v = 0; v < n; ++v) {
    const double a = a0 + 6.283185307179586 * v / n;
    const double rad = size / 2 * (1 + jitter * r.uniform(-1, 1));
    xy[2 * v] = cx + rad * std::cos(a) * aspect;
    xy[2 * v + 1] = cy + rad * std::sin(a) / aspect;
  }
  return xy;
}

void clamp_to(std::vector<double>& xy, double w, double h) {
  for (std::size_t i = 0; i < xy.size(); i += 2) {
    xy[i] = std::clamp(xy[i], 0.0, w);
    xy[i + 1] = std::clamp(xy[i + 1], 0.0, h);
  }
}

double shoelace(const std::vector<double>& xy) {
  double s = 0;
  const std::size_t n = xy.size() / 2;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = (i + 1) % n;
    s += xy[2 * i] * xy[2 * j + 1] - xy[2 * j] * xy[2 * i + 1];
  }
  return std::fabs(s) / 2;
}

void appendf(std::string& s, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void appendf(std::string& s, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  const int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  s.append(buf, static_cast<std::size_t>(std::min(n, static_cast<int>(sizeof buf) - 1)));
}

// A category index drawn by weight (cumulative table).
int draw(Rng& r, const std::vector<double>& cum) {
  const double u = r.uniform() * cum.back();
  return static_cast<int>(std::upper_bound(cum.begin(), cum.end(), u) - cum.begin());
}

struct ImageOut {
  std::string image, anns, dets;
  std::size_t num_anns = 0, num_dets = 0;
};

struct Det {
  int cat;
  double score;
  std::vector<double> xy;
};

ImageOut make_image(std::uint64_t seed, std::size_t index, const std::vector<double>& cum, int dets_per_image,
                    bool segm, std::uint64_t& ann_id) {
  Rng r(seed ^ (0x51ed270b1f3a9e77ull * (index + 1)));
  ImageOut out;
  static const int sizes[4][2] = {{640, 480}, {480, 640}, {640, 427}, {427, 640}};
  const int* wh = sizes[r.below(4)];
  const double W = wh[0], H = wh[1];
  const std::int64_t image_id = 100000 + static_cast<std::int64_t>(index) * 29 + r.below(29);

  // Positive categories and their objects.
  std::vector<int> pos;
  const int npos = 1 + static_cast<int>(r.below(7));
  while (static_cast<int>(pos.size()) < npos) {
    const int k = draw(r, cum);
    if (std::find(pos.begin(), pos.end(), k) == pos.end()) pos.push_back(k);
  }
  std::sort(pos.begin(), pos.end());
  std::vector<Object> objects, unannotated;
  for (int k : pos) {
    const int n = 1 + static_cast<int>(std::min(15.0, -std::log(std::max(r.uniform(), 1e-9)) * 2.5));
    for (int j = 0; j < n; ++j) {
      // Sizes: about 40% small, 35% medium, 25% large by area.
      const double u = r.uniform();
      const double size = u < 0.4 ? r.uniform(8, 34) : u < 0.75 ? r.uniform(34, 100) : r.uniform(100, 380);
      const double cx = r.uniform(size / 3, W - size / 3), cy = r.uniform(size / 3, H - size / 3);
      Object o{k, blob(r, cx, cy, size, r.uniform(0.7, 1.4), 8 + static_cast<int>(r.below(9)), 0.25), cx, cy, size};
      clamp_to(o.xy, W, H);
      objects.push_back(std::move(o));
    }
  }
  // Not exhaustive: about 1 in 8 positive categories, which also have unannotated objects.
  std::vector<int> nel;
  for (int k : pos)
    if (r.uniform() < 0.125) {
      nel.push_back(k);
      for (int j = 0; j < 2; ++j) {
        const double size = r.uniform(15, 120), cx = r.uniform(size, W - size), cy = r.uniform(size, H - size);
        unannotated.push_back({k, blob(r, cx, cy, size, 1.0, 10, 0.2), cx, cy, size});
      }
    }
  // Negatives: categories verified absent.
  std::vector<int> neg;
  const int nneg = static_cast<int>(r.below(13));
  while (static_cast<int>(neg.size()) < nneg) {
    const int k = static_cast<int>(r.below(kCategories));
    if (std::find(pos.begin(), pos.end(), k) == pos.end() && std::find(neg.begin(), neg.end(), k) == neg.end())
      neg.push_back(k);
  }
  std::sort(neg.begin(), neg.end());

  // Image record.
  appendf(out.image, "{\"id\":%lld,\"width\":%d,\"height\":%d,\"file_name\":\"%012lld.jpg\",\"neg_category_ids\":[",
          static_cast<long long>(image_id), wh[0], wh[1], static_cast<long long>(image_id));
  for (std::size_t j = 0; j < neg.size(); ++j) appendf(out.image, "%s%d", j ? "," : "", neg[j] + 1);
  out.image += "],\"not_exhaustive_category_ids\":[";
  for (std::size_t j = 0; j < nel.size(); ++j) appendf(out.image, "%s%d", j ? "," : "", nel[j] + 1);
  out.image += "]}";

  // Annotations.
  for (const Object& o : objects) {
    double x0 = W, y0 = H, x1 = 0, y1 = 0;
    for (std::size_t v = 0; v < o.xy.size(); v += 2) {
      x0 = std::min(x0, o.xy[v]), x1 = std::max(x1, o.xy[v]);
      y0 = std::min(y0, o.xy[v + 1]), y1 = std::max(y1, o.xy[v + 1]);
    }
    if (out.num_anns) out.anns += ",";
    appendf(out.anns, "{\"id\":%llu,\"image_id\":%lld,\"category_id\":%d,\"bbox\":[%.2f,%.2f,%.2f,%.2f],\"area\":%.5f,"
            "\"segmentation\":[[",
            static_cast<unsigned long long>(ann_id++), static_cast<long long>(image_id), o.cat + 1, x0, y0, x1 - x0,
            y1 - y0, shoelace(o.xy));
    for (std::size_t v = 0; v < o.xy.size(); ++v) appendf(out.anns, "%s%.2f", v ? "," : "", o.xy[v]);
    out.anns += "]]}";
    ++out.num_anns;
  }

  // Candidate detections, then the top `dets_per_image` by score.
  std::vector<Det> cand;
  auto perturbed = [&](const Object& o, double noise) {
    std::vector<double> xy = o.xy;
    const double s = 1 + noise * r.normal() * 0.5, dx = noise * o.size * r.normal() * 0.5,
                 dy = noise * o.size * r.normal() * 0.5;
    for (std::size_t v = 0; v < xy.size(); v += 2) {
      xy[v] = o.cx + (xy[v] - o.cx) * s + dx + noise * o.size * 0.1 * r.normal();
      xy[v + 1] = o.cy + (xy[v + 1] - o.cy) * s + dy + noise * o.size * 0.1 * r.normal();
    }
    clamp_to(xy, W, H);
    return xy;
  };
  for (const Object& o : objects) {
    if (r.uniform() < 0.15) continue;  // missed
    const double q = r.uniform();      // latent quality: low noise, high score
    const double noise = 0.05 + 0.5 * (1 - q);
    cand.push_back({o.cat, std::clamp(0.25 + 0.7 * q + 0.1 * r.normal(), 0.001, 0.999), perturbed(o, noise)});
    if (r.uniform() < 0.3)  // duplicate
      cand.push_back({o.cat, std::clamp(0.1 + 0.4 * q * r.uniform(), 0.001, 0.999), perturbed(o, noise * 1.5)});
    if (r.uniform() < 0.15) {  // mislabelled: a negative, another positive or an unlisted category
      const double u = r.uniform();
      const int k = u < 0.3 && !neg.empty() ? neg[r.below(static_cast<std::uint32_t>(neg.size()))]
                    : u < 0.6              ? pos[r.below(static_cast<std::uint32_t>(pos.size()))]
                                           : static_cast<int>(r.below(kCategories));
      cand.push_back({k, std::clamp(0.1 + 0.5 * r.uniform(), 0.001, 0.999), perturbed(o, noise)});
    }
  }
  for (const Object& o : unannotated)
    cand.push_back({o.cat, std::clamp(0.2 + 0.6 * r.uniform(), 0.001, 0.999), perturbed(o, 0.1)});
  // False positives: 40% on positive categories, 15% on negatives, the rest anywhere.
  while (static_cast<int>(cand.size()) < dets_per_image + 20) {
    const double u = r.uniform();
    const int k = u < 0.40 ? pos[r.below(static_cast<std::uint32_t>(pos.size()))]
                  : u < 0.55 && !neg.empty() ? neg[r.below(static_cast<std::uint32_t>(neg.size()))]
                                             : draw(r, cum);
    const double size = std::exp(r.uniform(std::log(8.0), std::log(300.0)));
    const double cx = r.uniform(0, W), cy = r.uniform(0, H);
    std::vector<double> xy = blob(r, cx, cy, size, r.uniform(0.6, 1.6), 8, 0.3);
    clamp_to(xy, W, H);
    cand.push_back({k, std::clamp(0.35 * r.uniform() * r.uniform() + 0.001, 0.001, 0.999), std::move(xy)});
  }
  std::stable_sort(cand.begin(), cand.end(), [](const Det& a, const Det& b) { return a.score > b.score; });
  cand.resize(static_cast<std::size_t>(dets_per_image));
  for (std::size_t j = cand.size(); j > 1; --j) std::swap(cand[j - 1], cand[r.below(static_cast<std::uint32_t>(j))]);

  const auto h = static_cast<std::uint32_t>(H), w = static_cast<std::uint32_t>(W);
  for (const Det& d : cand) {
    const deteval::Rle m = deteval::rle_from_polygon(d.xy, h, w);
    const deteval::Box b = deteval::rle_to_bbox(m);
    if (out.num_dets) out.dets += ",";
    appendf(out.dets, "{\"image_id\":%lld,\"category_id\":%d,\"bbox\":[%g,%g,%g,%g],\"score\":%.4f",
            static_cast<long long>(image_id), d.cat + 1, b.x, b.y, b.w, b.h, d.score);
    if (segm) {
      out.dets += ",\"segmentation\":{\"size\":[";
      appendf(out.dets, "%u,%u],\"counts\":\"", h, w);
      for (char c : deteval::rle_to_string(m)) {
        if (c == '\\') out.dets += '\\';
        out.dets += c;
      }
      out.dets += "\"}";
    }
    out.dets += "}";
    ++out.num_dets;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out_dir;
  std::size_t images = 19809;
  int dets_per_image = 300;
  std::uint64_t seed = 20241206;
  bool segm = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&] {
      if (i + 1 >= argc) { std::fprintf(stderr, "%s needs a value\n", a.c_str()); std::exit(2); }
      return std::string(argv[++i]);
    };
    if (a == "--out") out_dir = value();
    else if (a == "--images") images = std::stoul(value());
    else if (a == "--dets-per-image") dets_per_image = std::stoi(value());
    else if (a == "--seed") seed = std::stoull(value());
    else if (a == "--no-segm") segm = false;
    else { std::fprintf(stderr, "usage: gen_lvis_scale --out DIR [--images N] [--dets-per-image K] [--seed S] [--no-segm]\n"); return 2; }
  }
  if (out_dir.empty()) { std::fprintf(stderr, "--out DIR is required\n"); return 2; }
  std::filesystem::create_directories(out_dir);
  const std::vector<Category> cats = make_categories(seed);
  std::vector<double> cum(kCategories);
  double acc = 0;
  for (int k = 0; k < kCategories; ++k) cum[k] = acc += cats[k].weight;

  std::FILE* gt = std::fopen((out_dir + "/gt.json").c_str(), "wb");
  std::FILE* dt = std::fopen((out_dir + "/dt.json").c_str(), "wb");
  if (!gt || !dt) { std::perror("open"); return 1; }
  // Images in blocks generated in parallel, written in order. Annotation ids: 1 + 256 per
  // image index (sparse, and independent of the block split).
  constexpr std::size_t kBlock = 256;
  std::vector<std::string> image_text, ann_text;
  std::size_t num_anns = 0, num_dets = 0;
  bool first_ann = true;
  std::fputs("[", dt);
  for (std::size_t b0 = 0; b0 < images; b0 += kBlock) {
    const std::size_t b1 = std::min(images, b0 + kBlock);
    std::vector<ImageOut> block(b1 - b0);
    tbb::parallel_for(b0, b1, [&](std::size_t i) {
      std::uint64_t id = 1 + 256 * static_cast<std::uint64_t>(i);  // at most 7 x 16 objects per image
      block[i - b0] = make_image(seed, i, cum, dets_per_image, segm, id);
    });
    for (std::size_t i = b0; i < b1; ++i) {
      ImageOut& o = block[i - b0];
      image_text.push_back(std::move(o.image));
      if (o.num_anns) {
        ann_text.push_back((first_ann ? "" : ",") + o.anns);
        first_ann = false;
      }
      num_anns += o.num_anns;
      if (num_dets && o.num_dets) std::fputs(",", dt);
      std::fwrite(o.dets.data(), 1, o.dets.size(), dt);
      num_dets += o.num_dets;
    }
  }
  std::fputs("]\n", dt);
  std::fclose(dt);

  std::fputs("{\"info\":{\"description\":\"synthetic LVIS v1 val-scale case (deteval bench)\"},\"licenses\":[],\"images\":[", gt);
  for (std::size_t i = 0; i < image_text.size(); ++i) {
    if (i) std::fputs(",", gt);
    std::fputs(image_text[i].c_str(), gt);
  }
  std::fputs("],\"categories\":[", gt);
  for (int k = 0; k < kCategories; ++k)
    std::fprintf(gt, "%s{\"id\":%d,\"name\":\"category_%04d\",\"synset\":\"category_%04d.n.01\",\"frequency\":\"%c\","
                 "\"image_count\":%d,\"instance_count\":%d}",
                 k ? "," : "", k + 1, k + 1, k + 1, cats[k].freq, cats[k].image_count, cats[k].image_count * 3);
  std::fputs("],\"annotations\":[", gt);
  for (const std::string& s : ann_text) std::fputs(s.c_str(), gt);
  std::fputs("]}\n", gt);
  std::fclose(gt);
  std::printf("images %zu, categories %d, annotations %zu, detections %zu\n", images, kCategories, num_anns, num_dets);
  return 0;
}
