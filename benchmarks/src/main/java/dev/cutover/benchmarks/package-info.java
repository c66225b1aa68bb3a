/**
 * JMH benchmarks of Cutover against plain OkHttp and the JDK, run from the shaded {@code
 * benchmarks.jar} by {@code benchmarks/run.sh}; see {@code benchmarks/README.md}.
 */
package dev.cutover.benchmarks;
