// SIMD kernels for the wasm backend's hot ops around the reference CNN's convolutions: bias add, bias gradient (row
// sums), 2×2 max-pool gradient, the col2im of the input gradient, the forward convolution and its filter gradient
// (see ../src/wasmSimdKernels.ts).
// Compiled to a standalone wasm module that imports tfjs-backend-wasm's own memory, so the kernels read and write
// tensors in place on tfjs's heap. No libc, no static data, no stack: the module must never write memory it does not
// get a pointer to. Rebuild with ./build.sh (clang and wasm-ld with the wasm32 target), which regenerates
// ../src/wasmSimdBinary.ts.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

// out[r, k] = x[r, k] + bias[k] for `rows` rows of `c` channels.
EXPORT("bias_add")
void bias_add(const float *x, const float *bias, float *out, int rows, int c) {
  if ((c & 3) == 0) {
    for (int r = 0; r < rows; r++) {
      const float *xr = x + r * c;
      float *orow = out + r * c;
      for (int k = 0; k < c; k += 4) {
        wasm_v128_store(orow + k, wasm_f32x4_add(wasm_v128_load(xr + k), wasm_v128_load(bias + k)));
      }
    }
    return;
  }
  for (int r = 0; r < rows; r++) {
    for (int k = 0; k < c; k++) out[r * c + k] = x[r * c + k] + bias[k];
  }
}

// out[k] = sum over r of x[r, k]. Rows are summed in blocks of 256 and the block sums added to the total, which keeps
// float32 rounding error growing with the number of blocks rather than the number of rows.
EXPORT("sum_rows")
void sum_rows(const float *x, float *out, int rows, int c) {
  for (int k = 0; k < c; k++) out[k] = 0.0f;
  if ((c & 3) == 0) {
    for (int k = 0; k < c; k += 4) {
      v128_t total = wasm_f32x4_splat(0.0f);
      for (int r0 = 0; r0 < rows; r0 += 256) {
        int r1 = r0 + 256 < rows ? r0 + 256 : rows;
        v128_t block = wasm_f32x4_splat(0.0f);
        for (int r = r0; r < r1; r++) block = wasm_f32x4_add(block, wasm_v128_load(x + r * c + k));
        total = wasm_f32x4_add(total, block);
      }
      wasm_v128_store(out + k, total);
    }
    return;
  }
  for (int k = 0; k < c; k++) {
    float total = 0.0f;
    for (int r0 = 0; r0 < rows; r0 += 256) {
      int r1 = r0 + 256 < rows ? r0 + 256 : rows;
      float block = 0.0f;
      for (int r = r0; r < r1; r++) block += x[r * c + k];
      total += block;
    }
    out[k] = total;
  }
}

// MaxPoolGrad for 2×2 windows, stride 2, no padding, on NHWC float32: each window's gradient goes to its first
// maximum in row-major order (strictly greater; NaN and -Inf never chosen), as tfjs's cpu backend does. Every input
// position inside a window is written (0 or the gradient); positions outside every window (odd H or W) are zeroed
// first.
EXPORT("max_pool_grad_2x2")
void max_pool_grad_2x2(const float *x, const float *dy, float *out, int n, int h, int w, int c, int oh, int ow) {
  if (h != 2 * oh || w != 2 * ow) {
    for (int i = 0; i < n * h * w * c; i++) out[i] = 0.0f;
  }
  const int row = w * c;
  const v128_t neg_inf = wasm_f32x4_splat(-__builtin_inff());
  const float *g = dy;
  for (int b = 0; b < n; b++) {
    for (int oy = 0; oy < oh; oy++) {
      const int base = (b * h + 2 * oy) * row;
      for (int ox = 0; ox < ow; ox++) {
        const int p0 = base + 2 * ox * c;
        int k = 0;
        for (; k + 4 <= c; k += 4, g += 4) {
          const int p = p0 + k;
          const int q = p + row;
          v128_t v0 = wasm_v128_load(x + p), v1 = wasm_v128_load(x + p + c);
          v128_t v2 = wasm_v128_load(x + q), v3 = wasm_v128_load(x + q + c);
          v128_t c0 = wasm_f32x4_gt(v0, neg_inf);
          v128_t best = wasm_v128_bitselect(v0, neg_inf, c0);
          v128_t c1 = wasm_f32x4_gt(v1, best);
          best = wasm_v128_bitselect(v1, best, c1);
          v128_t c2 = wasm_f32x4_gt(v2, best);
          best = wasm_v128_bitselect(v2, best, c2);
          v128_t c3 = wasm_f32x4_gt(v3, best);
          // The chosen candidate is the last one that beat the running best.
          v128_t s3 = c3;
          v128_t s2 = wasm_v128_andnot(c2, c3);
          v128_t s1 = wasm_v128_andnot(c1, wasm_v128_or(c2, c3));
          v128_t s0 = wasm_v128_andnot(c0, wasm_v128_or(c1, wasm_v128_or(c2, c3)));
          v128_t gv = wasm_v128_load(g);
          wasm_v128_store(out + p, wasm_v128_and(gv, s0));
          wasm_v128_store(out + p + c, wasm_v128_and(gv, s1));
          wasm_v128_store(out + q, wasm_v128_and(gv, s2));
          wasm_v128_store(out + q + c, wasm_v128_and(gv, s3));
        }
        for (; k < c; k++, g++) {
          const int p = p0 + k;
          const int q = p + row;
          int at = -1;
          float best = -__builtin_inff();
          out[p] = out[p + c] = out[q] = out[q + c] = 0.0f;
          if (x[p] > best) best = x[at = p];
          if (x[p + c] > best) best = x[at = p + c];
          if (x[q] > best) best = x[at = q];
          if (x[q + c] > best) at = q + c;
          if (at >= 0) out[at] = *g;
        }
      }
    }
  }
}

// Col2im for a convolution's input gradient: dx[b, i*sh + a - top, j*sw + q - left, k] += cols[b, i, j, a, q, k] over
// every output position (i, j) and tap (a, q) that lands inside dx; dx is zeroed first. `cols` is dy times the filter
// (one GEMM), so this is a transposed convolution with no multiplications by the zeros a dilated, padded dy has.
EXPORT("col2im")
void col2im(const float *cols, float *dx, int n, int oh, int ow, int kh, int kw, int c, int h, int w, int sh, int sw,
            int top, int left) {
  for (int i = 0; i < n * h * w * c; i++) dx[i] = 0.0f;
  const float *src = cols;
  for (int b = 0; b < n; b++) {
    float *image = dx + b * h * w * c;
    for (int i = 0; i < oh; i++) {
      for (int j = 0; j < ow; j++) {
        for (int a = 0; a < kh; a++) {
          const int y = i * sh + a - top;
          for (int q = 0; q < kw; q++, src += c) {
            const int x = j * sw + q - left;
            if (y < 0 || y >= h || x < 0 || x >= w) continue;
            float *dst = image + (y * w + x) * c;
            int k = 0;
            for (; k + 4 <= c; k += 4) {
              wasm_v128_store(dst + k, wasm_f32x4_add(wasm_v128_load(dst + k), wasm_v128_load(src + k)));
            }
            for (; k < c; k++) dst[k] += src[k];
          }
        }
      }
    }
  }
}

// A convolution's filter gradient, computed directly (no im2col, no transposes):
// dw[a, q, c, o] = Σ_{b,i,j} x[b, i*sh + a - top, j*sw + q - left, c] · dy[b, i, j, o], taps outside x counting 0;
// dw is [kh, kw, ci, co], every element written once. Output channels go in SIMD blocks of 16, 8 or 4 (scalar for
// the rest), and each block keeps up to 10 vector accumulators in registers: `qb` neighbouring taps of one filter row
// times the block's vectors, so one load of a dy vector feeds qb multiply-adds. The j loop is split so that only the
// columns where some tap of the block falls outside x (padding) test bounds.
#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE void filter_grad_block(const float *x, const float *dy, float *dw, int n, int h, int w, int ci, int oh,
                                     int ow, int co, int sh, int sw, int top, int left, int kw, int a, int q0, int c,
                                     int o0, const int cov, const int qb) {
  v128_t acc[10][4];
  for (int t = 0; t < qb; t++) {
    for (int v = 0; v < cov; v++) acc[t][v] = wasm_f32x4_splat(0.0f);
  }
  // Columns j whose taps q0 .. q0+qb-1 all land inside x: jlo <= j < jhi.
  int jlo = 0;
  while (jlo < ow && jlo * sw + q0 - left < 0) jlo++;
  int jhi = jlo;
  while (jhi < ow && jhi * sw + q0 + qb - 1 - left < w) jhi++;
  for (int b = 0; b < n; b++) {
    for (int i = 0; i < oh; i++) {
      const int y = i * sh + a - top;
      if (y < 0 || y >= h) continue;
      const float *xr = x + (b * h + y) * w * ci + c;
      const float *dr = dy + (b * oh + i) * ow * co + o0;
      for (int j = 0; j < ow; j++) {
        if (j == jlo) {
          // The in-bounds stretch, without bound tests.
          for (; j < jhi; j++) {
            v128_t d[4];
            for (int v = 0; v < cov; v++) d[v] = wasm_v128_load(dr + j * co + 4 * v);
            const float *xs = xr + (j * sw + q0 - left) * ci;
            for (int t = 0; t < qb; t++) {
              const v128_t s = wasm_f32x4_splat(xs[t * ci]);
              for (int v = 0; v < cov; v++) acc[t][v] = wasm_f32x4_add(acc[t][v], wasm_f32x4_mul(s, d[v]));
            }
          }
          if (j >= ow) break;
        }
        v128_t d[4];
        for (int v = 0; v < cov; v++) d[v] = wasm_v128_load(dr + j * co + 4 * v);
        for (int t = 0; t < qb; t++) {
          const int xx = j * sw + q0 + t - left;
          if (xx < 0 || xx >= w) continue;
          const v128_t s = wasm_f32x4_splat(xr[xx * ci]);
          for (int v = 0; v < cov; v++) acc[t][v] = wasm_f32x4_add(acc[t][v], wasm_f32x4_mul(s, d[v]));
        }
      }
    }
  }
  for (int t = 0; t < qb; t++) {
    float *out = dw + ((a * kw + q0 + t) * ci + c) * co + o0;
    for (int v = 0; v < cov; v++) wasm_v128_store(out + 4 * v, acc[t][v]);
  }
}

// The blocks of `cov` output vectors, taps taken `qmax` at a time along each filter row (qmax * cov <= 10).
#define FILTER_GRAD_ARGS x, dy, dw, n, h, w, ci, oh, ow, co, sh, sw, top, left, kw, a, q0, c, o0
#define FILTER_GRAD_CASE(COV, QB) \
  case QB:                        \
    filter_grad_block(FILTER_GRAD_ARGS, COV, QB); \
    break;

// Output channels in blocks of WIDTH (4 × the vectors per block), filter taps STEP at a time; CASES: one
// FILTER_GRAD_CASE per tap count 1..STEP (the last taps of a row may be fewer).
#define FILTER_GRAD_BLOCKS(WIDTH, STEP, CASES)                     \
  for (; o0 + WIDTH <= co; o0 += WIDTH) {                          \
    for (int a = 0; a < kh; a++) {                                 \
      for (int q0 = 0; q0 < kw; q0 += STEP) {                      \
        for (int c = 0; c < ci; c++) {                             \
          switch (kw - q0 < STEP ? kw - q0 : STEP) { CASES }       \
        }                                                          \
      }                                                            \
    }                                                              \
  }

EXPORT("conv_filter_grad")
void conv_filter_grad(const float *x, const float *dy, float *dw, int n, int h, int w, int ci, int oh, int ow, int co,
                      int kh, int kw, int sh, int sw, int top, int left) {
  int o0 = 0;
  FILTER_GRAD_BLOCKS(16, 2, FILTER_GRAD_CASE(4, 1) FILTER_GRAD_CASE(4, 2))
  FILTER_GRAD_BLOCKS(8, 5,
                     FILTER_GRAD_CASE(2, 1) FILTER_GRAD_CASE(2, 2) FILTER_GRAD_CASE(2, 3) FILTER_GRAD_CASE(2, 4)
                         FILTER_GRAD_CASE(2, 5))
  FILTER_GRAD_BLOCKS(4, 8,
                     FILTER_GRAD_CASE(1, 1) FILTER_GRAD_CASE(1, 2) FILTER_GRAD_CASE(1, 3) FILTER_GRAD_CASE(1, 4)
                         FILTER_GRAD_CASE(1, 5) FILTER_GRAD_CASE(1, 6) FILTER_GRAD_CASE(1, 7) FILTER_GRAD_CASE(1, 8))
  // The last co % 4 output channels, one at a time.
  for (; o0 < co; o0++) {
    for (int a = 0; a < kh; a++) {
      for (int q = 0; q < kw; q++) {
        for (int c = 0; c < ci; c++) {
          float total = 0.0f;
          for (int b = 0; b < n; b++) {
            for (int i = 0; i < oh; i++) {
              const int y = i * sh + a - top;
              if (y < 0 || y >= h) continue;
              for (int j = 0; j < ow; j++) {
                const int xx = j * sw + q - left;
                if (xx < 0 || xx >= w) continue;
                total += x[((b * h + y) * w + xx) * ci + c] * dy[((b * oh + i) * ow + j) * co + o0];
              }
            }
          }
          dw[((a * kw + q) * ci + c) * co + o0] = total;
        }
      }
    }
  }
}

// A 2-D convolution, NHWC, dilation 1: out[b, i, j, o] = Σ_{a,q,c} x[b, i*sh + a - top, j*sw + q - left, c] · f[a, q, c, o]
// (taps outside x count 0); f is [kh, kw, ci, co]. Output channels go in SIMD blocks of 16, 8 or 4 (scalar for the
// rest) and `jb` neighbouring output columns at a time, so one load of a filter vector feeds jb multiply-adds and the
// jb × block sums (≤ 8 vectors) stay in registers. Blocks whose taps all land inside x run without bound tests.
ALWAYS_INLINE void conv_block(const float *x, const float *f, float *out, int h, int w, int ci, int oh, int ow, int co,
                              int kh, int kw, int sh, int sw, int top, int left, int b, int i, int j0, int o0,
                              const int cov, const int jb, const int checked) {
  v128_t acc[8][4];
  for (int t = 0; t < jb; t++) {
    for (int v = 0; v < cov; v++) acc[t][v] = wasm_f32x4_splat(0.0f);
  }
  for (int a = 0; a < kh; a++) {
    const int y = i * sh + a - top;
    if (y < 0 || y >= h) continue;
    const float *xr = x + (b * h + y) * w * ci;
    for (int q = 0; q < kw; q++) {
      const float *fq = f + (a * kw + q) * ci * co + o0;
      for (int c = 0; c < ci; c++) {
        for (int t = 0; t < jb; t++) {
          const int xx = (j0 + t) * sw + q - left;
          if (checked && (xx < 0 || xx >= w)) continue;
          const v128_t s = wasm_f32x4_splat(xr[xx * ci + c]);
          for (int v = 0; v < cov; v++) acc[t][v] = wasm_f32x4_add(acc[t][v], wasm_f32x4_mul(s, wasm_v128_load(fq + c * co + 4 * v)));
        }
      }
    }
  }
  float *dst = out + ((b * oh + i) * ow + j0) * co + o0;
  for (int t = 0; t < jb; t++) {
    for (int v = 0; v < cov; v++) wasm_v128_store(dst + t * co + 4 * v, acc[t][v]);
  }
}

// One function per block shape (noinline, so the shapes' constant loop bounds are never merged into a variable one,
// which would leave the sums in memory instead of registers).
#define CONV_PARAMS                                                                                                   \
  const float *x, const float *f, float *out, int h, int w, int ci, int oh, int ow, int co, int kh, int kw, int sh, \
      int sw, int top, int left, int b, int i, int j0, int o0
#define CONV_ARGS x, f, out, h, w, ci, oh, ow, co, kh, kw, sh, sw, top, left, b, i, j0, o0
#define DEFINE_CONV_BLOCK(COV, JB)                                                                         \
  static __attribute__((noinline)) void conv_block_##COV##_##JB(CONV_PARAMS, int inside) {               \
    if (inside)                                                                                            \
      conv_block(CONV_ARGS, COV, JB, 0);                                                                   \
    else                                                                                                   \
      conv_block(CONV_ARGS, COV, JB, 1);                                                                   \
  }
DEFINE_CONV_BLOCK(4, 1) DEFINE_CONV_BLOCK(4, 2)
DEFINE_CONV_BLOCK(2, 1) DEFINE_CONV_BLOCK(2, 2) DEFINE_CONV_BLOCK(2, 3) DEFINE_CONV_BLOCK(2, 4)
DEFINE_CONV_BLOCK(1, 1) DEFINE_CONV_BLOCK(1, 2) DEFINE_CONV_BLOCK(1, 3) DEFINE_CONV_BLOCK(1, 4)
DEFINE_CONV_BLOCK(1, 5) DEFINE_CONV_BLOCK(1, 6) DEFINE_CONV_BLOCK(1, 7) DEFINE_CONV_BLOCK(1, 8)
#define CONV_CASE(COV, JB)                          \
  case JB:                                          \
    conv_block_##COV##_##JB(CONV_ARGS, inside);     \
    break;
// Whether output columns j0 .. j0+jb-1 read only columns inside x (from j0*sw - left to (j0+jb-1)*sw + kw-1 - left).
#define INSIDE(jb) (j0 * sw - left >= 0 && (j0 + (jb) - 1) * sw + kw - 1 - left < w)

EXPORT("conv2d")
void conv2d(const float *x, const float *f, float *out, int n, int h, int w, int ci, int oh, int ow, int co, int kh,
            int kw, int sh, int sw, int top, int left) {
  for (int b = 0; b < n; b++) {
    for (int i = 0; i < oh; i++) {
      int o0 = 0;
      for (; o0 + 16 <= co; o0 += 16) {
        for (int j0 = 0; j0 < ow; j0 += 2) {
          const int jb = ow - j0 < 2 ? ow - j0 : 2;
          const int inside = INSIDE(jb);
          switch (jb) { CONV_CASE(4, 1) CONV_CASE(4, 2) }
        }
      }
      for (; o0 + 8 <= co; o0 += 8) {
        for (int j0 = 0; j0 < ow; j0 += 4) {
          const int jb = ow - j0 < 4 ? ow - j0 : 4;
          const int inside = INSIDE(jb);
          switch (jb) { CONV_CASE(2, 1) CONV_CASE(2, 2) CONV_CASE(2, 3) CONV_CASE(2, 4) }
        }
      }
      for (; o0 + 4 <= co; o0 += 4) {
        for (int j0 = 0; j0 < ow; j0 += 8) {
          const int jb = ow - j0 < 8 ? ow - j0 : 8;
          const int inside = INSIDE(jb);
          switch (jb) {
            CONV_CASE(1, 1) CONV_CASE(1, 2) CONV_CASE(1, 3) CONV_CASE(1, 4)
            CONV_CASE(1, 5) CONV_CASE(1, 6) CONV_CASE(1, 7) CONV_CASE(1, 8)
          }
        }
      }
      // The last co % 4 output channels, one at a time.
      for (; o0 < co; o0++) {
        for (int j = 0; j < ow; j++) {
          float total = 0.0f;
          for (int a = 0; a < kh; a++) {
            const int y = i * sh + a - top;
            if (y < 0 || y >= h) continue;
            for (int q = 0; q < kw; q++) {
              const int xx = j * sw + q - left;
              if (xx < 0 || xx >= w) continue;
              for (int c = 0; c < ci; c++) total += x[((b * h + y) * w + xx) * ci + c] * f[((a * kw + q) * ci + c) * co + o0];
            }
          }
          out[((b * oh + i) * ow + j) * co + o0] = total;
        }
      }
    }
  }
}
