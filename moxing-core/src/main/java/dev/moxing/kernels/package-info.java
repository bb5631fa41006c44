/**
 * Compute kernels over contiguous {@code float} ranges.
 *
 * <p>Each kernel is single-threaded and allocation-free and takes {@code (array, offset)} pairs
 * plus a length (or rows and columns): the tensor layer resolves strides and broadcasting and
 * splits large ranges across the shared {@link dev.moxing.parallel.WorkerPool}, then calls these
 * on contiguous chunks. The exceptions are the large composite kernels ({@code Gemm},
 * {@code FlashAttention}, owned separately), which split their own work over the pool.
 *
 * <p>The fast kernels use the Vector API: {@link dev.moxing.kernels.VectorOps} (elementwise
 * arithmetic and math), {@link dev.moxing.kernels.VectorActivations} (activations, erf, and
 * fused backward kernels), {@link dev.moxing.kernels.VectorReductions} (sum, dot, max, argmax,
 * ...) and {@link dev.moxing.kernels.VectorSoftmax} (softmax and log-softmax over rows, with
 * backward). Each has a plain scalar reference with the same method names and signatures
 * ({@link dev.moxing.kernels.ScalarOps}, {@link dev.moxing.kernels.ScalarActivations},
 * {@link dev.moxing.kernels.ScalarReductions}, {@link dev.moxing.kernels.ScalarSoftmax}),
 * written to be obviously correct; the tests hold the vector kernels to it.
 */
package dev.moxing.kernels;
