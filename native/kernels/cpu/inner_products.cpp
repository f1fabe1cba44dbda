#include "kernels/cpu/inner_products.h"

#include <algorithm>

#include "core/cpu_isa.h"
#include "core/executed_macs.h"
#include "kernels/cpu/inner_products_impl.h"

namespace sj {
namespace inner_products_detail {

// Portable build: one SSE register of 4 floats, 2 x 4 accumulators.
Kernels generic() {
  typedef float V __attribute__((vector_size(16)));
  return kernelsFor<V, 2, 4>();
}

const Kernels& active() {
  static const Kernels kernels = forActiveIsa<Kernels>(SJ_ISA_BUILDS(&generic, &avx2, &avx512));
  return kernels;
}

}  // namespace inner_products_detail

namespace {

// Pairs run j-block by j-block, each over every i-block: the NR rows of B of a block of positions
// stay in L1 (24 KiB of them) while the m rows of A stream from L2 (512 KiB of them); each B row
// is read from memory once per block. Longer blocks spread the fold of the lanes over more
// multiply-adds.
constexpr int64_t kL1Floats = 6144;
constexpr int64_t kL2Floats = 1 << 17;

int64_t ceilDiv(int64_t v, int64_t unit) { return (v + unit - 1) / unit; }

// The first row of each block of the positions: (item, row, element) and its extent.
struct PositionBlock {
  int64_t item, row, element, rows, length;
};

// The grid cut into blocks of at most about `positions` positions: whole rows when they are
// shorter, else pieces of a row of equal length in whole vectors (so only a row's last piece has a
// partial vector, and no piece is so short that folding its lanes costs more than it multiplies).
std::vector<PositionBlock> positionBlocks(const PositionGrid& grid, int64_t positions, int width) {
  std::vector<PositionBlock> blocks;
  if (grid.length >= positions) {
    const int64_t piece = ceilDiv(ceilDiv(grid.length, ceilDiv(grid.length, positions)), width) * width;
    for (int64_t n = 0; n < grid.items; ++n)
      for (int64_t r = 0; r < grid.rows; ++r)
        for (int64_t e = 0; e < grid.length; e += piece) blocks.push_back({n, r, e, 1, std::min(piece, grid.length - e)});
    return blocks;
  }
  const int64_t rows = std::max<int64_t>(1, positions / std::max<int64_t>(1, grid.length));
  for (int64_t n = 0; n < grid.items; ++n)
    for (int64_t r = 0; r < grid.rows; r += rows) blocks.push_back({n, r, 0, std::min(rows, grid.rows - r), grid.length});
  return blocks;
}

// Row pointers of one block for every row of a block-padded operand; rows past `count` repeat the
// last one (their products are computed and discarded).
void rowPointers(const InnerProductOperand& o, int64_t count, int64_t padded, const PositionBlock& pb, const float** out) {
  const int64_t at = pb.item * o.itemStride + pb.row * o.rowStride + pb.element;
  for (int64_t i = 0; i < padded; ++i) out[i] = o.data + o.offset[std::min(i, count - 1)] + at;
}

// Brings part `part` of `parts` of a block's positions of `count` rows to L2: the next j-block's B
// rows are fetched while the current one runs over its i-blocks, so that they do not arrive at
// memory latency when it starts.
void prefetchPart(const float* const* rows, int count, const PositionBlock& pb, int64_t rowStride, int64_t part, int64_t parts) {
  constexpr int64_t kLineFloats = 16;
  const int64_t linesPerRow = ceilDiv(pb.length, kLineFloats), lines = pb.rows * linesPerRow;
  for (int64_t line = lines * part / parts; line < lines * (part + 1) / parts; ++line) {
    const int64_t at = (line / linesPerRow) * rowStride + (line % linesPerRow) * kLineFloats;
    for (int j = 0; j < count; ++j) __builtin_prefetch(rows[j] + at, 0, 2);
  }
}

}  // namespace

InnerProductSums::InnerProductSums(int64_t m, int64_t n) : m_(m), n_(n) {
  const inner_products_detail::Kernels& k = inner_products_detail::active();
  iBlocks_ = ceilDiv(m, k.mr);
  jBlocks_ = ceilDiv(n, k.nr);
  sums_.resize(iBlocks_ * jBlocks_ * k.mr * k.nr);
}

void InnerProductSums::add(ThreadPool& pool, const InnerProductOperand& a, const InnerProductOperand& b, const PositionGrid& grid) {
  const inner_products_detail::Kernels& k = inner_products_detail::active();
  if (grid.items <= 0 || grid.rows <= 0 || grid.length <= 0) return;
  // Items of one row each are rows (strided by the item strides): a block of positions may then
  // span items whose rows are shorter than a block.
  if (grid.rows == 1 && grid.items > 1)
    return add(pool, {a.data, a.offset, 0, a.itemStride}, {b.data, b.offset, 0, b.itemStride}, {1, grid.items, grid.length});
  const int64_t positions = std::max<int64_t>(4 * k.width, std::min(kL1Floats / k.nr, kL2Floats / m_));
  const std::vector<PositionBlock> blocks = positionBlocks(grid, positions, k.width);
  const int64_t pairs = iBlocks_ * jBlocks_, tile = static_cast<int64_t>(k.mr) * k.nr;
  pool.parallelFor(pairs, 1, [&](int64_t begin, int64_t end) {
    std::vector<const float*> aRows(iBlocks_ * k.mr), bRows(jBlocks_ * k.nr);
    for (const PositionBlock& pb : blocks) {
      rowPointers(a, m_, aRows.size(), pb, aRows.data());
      rowPointers(b, n_, bRows.size(), pb, bRows.data());
      for (int64_t pair = begin; pair < end; ++pair) {
        const int64_t jb = pair / iBlocks_, ib = pair % iBlocks_;
        if (jb + 1 < jBlocks_) prefetchPart(bRows.data() + (jb + 1) * k.nr, k.nr, pb, b.rowStride, ib, iBlocks_);
        k.block(aRows.data() + ib * k.mr, bRows.data() + jb * k.nr, pb.rows, a.rowStride, b.rowStride, pb.length, sums_.data() + pair * tile);
      }
    }
  });
  countExecutedMacs(pairs * k.mr * k.nr * grid.items * grid.rows * ceilDiv(grid.length, k.width) * k.width);
}

void InnerProductSums::store(float* c, int64_t rowStride, int64_t colStride) const {
  const inner_products_detail::Kernels& k = inner_products_detail::active();
  for (int64_t i = 0; i < m_; ++i)
    for (int64_t j = 0; j < n_; ++j)
      c[i * rowStride + j * colStride] = sums_.data()[((j / k.nr) * iBlocks_ + i / k.mr) * k.mr * k.nr + (i % k.mr) * k.nr + j % k.nr];
}

}  // namespace sj
