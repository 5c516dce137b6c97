// SIMD kernels for the wasm backend's hot ops around the reference CNN's convolutions: bias add, bias gradient (row
// sums), 2×2 max-pool gradient, the col2im of the input gradient and the im2row of a single-channel filter gradient
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

// Im2row for a single-channel input, the operand of a convolution's filter gradient as one GEMM:
// rows[a*kw + q, (b*oh + i)*ow + j] = x[b, i*sh + a - top, j*sw + q - left] (0 outside x). With it,
// dW[a, q, co] = Σ_r rows[a*kw + q, r] · dy[r, co], a 1×1 convolution of rows by dy as stored (no transposes).
EXPORT("im2row_single_channel")
void im2row_single_channel(const float *x, float *rows, int n, int h, int w, int oh, int ow, int kh, int kw, int sh,
                           int sw, int top, int left) {
  float *dst = rows;
  for (int a = 0; a < kh; a++) {
    for (int q = 0; q < kw; q++) {
      for (int b = 0; b < n; b++) {
        const float *image = x + b * h * w;
        for (int i = 0; i < oh; i++) {
          const int y = i * sh + a - top;
          if (y < 0 || y >= h) {
            for (int j = 0; j < ow; j++) *dst++ = 0.0f;
            continue;
          }
          const float *src = image + y * w;
          if (sw == 1 && q - left >= 0 && ow - 1 + q - left < w) {
            const float *s = src + q - left;
            int j = 0;
            for (; j + 4 <= ow; j += 4) wasm_v128_store(dst + j, wasm_v128_load(s + j));
            for (; j < ow; j++) dst[j] = s[j];
            dst += ow;
            continue;
          }
          for (int j = 0; j < ow; j++) {
            const int xx = j * sw + q - left;
            *dst++ = xx >= 0 && xx < w ? src[xx] : 0.0f;
          }
        }
      }
    }
  }
}
