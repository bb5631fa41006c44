package dev.moxing.nn.layers;

/**
 * Everything a 2-D convolution kernel needs to know about one call: input (n, c, h, w), output
 * channels, kernel (kh, kw), stride, padding, dilation and groups. Conv1d is the h = 1, kh = 1
 * case. The output is (n, outC, outH, outW) with PyTorch's size rule.
 */
record ConvGeometry(int n, int c, int h, int w, int outC, int kh, int kw, int sh, int sw, int ph, int pw,
        int dh, int dw, int groups) {

    int outH() {
        return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
    }

    int outW() {
        return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
    }

    /** Input channels per group. */
    int cg() {
        return c / groups;
    }

    /** Output channels per group. */
    int og() {
        return outC / groups;
    }

    /** Rows of one group's im2col matrix: cg × kh × kw (the GEMM's k). */
    int kk() {
        return cg() * kh * kw;
    }

    /** 1×1, stride 1, no padding: the image itself is the im2col matrix. */
    boolean pointwise() {
        return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
    }
}
