/** Benchmarks. */
package io.patchwork.benchmarks;
