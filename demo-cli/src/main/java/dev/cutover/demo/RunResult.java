package dev.cutover.demo;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one client kind saw during one cutover: counts per phase and per 100 ms bucket, filled by
 * the callers as answers arrive, each counted at the moment it arrived.
 */
final class RunResult {
  /** Who answered a request, or how it failed. */
  enum Outcome {
    BLUE,
    GREEN,
    HTTP_503,
    OTHER_STATUS,
    EXCEPTION
  }

  static final Duration BUCKET = Duration.ofMillis(100);
  private static final int OUTCOMES = Outcome.values().length;

  final String kind;
  final Duration phaseDuration;
  final int buckets;
  private final AtomicIntegerArray timeline;
  private final AtomicIntegerArray byPhase =
      new AtomicIntegerArray(Phase.values().length * OUTCOMES);
  private final LongAdder total = new LongAdder();
  private final Map<String, LongAdder> exceptions = new ConcurrentHashMap<>();

  RunResult(String kind, Duration phaseDuration) {
    this.kind = kind;
    this.phaseDuration = phaseDuration;
    // A little room past the end for answers that arrive while the callers stop.
    this.buckets = (int) (phaseDuration.toMillis() * Phase.values().length / BUCKET.toMillis()) + 20;
    this.timeline = new AtomicIntegerArray(buckets * OUTCOMES);
  }

  void record(long elapsedNanos, Phase phase, Outcome outcome) {
    int bucket = (int) Math.min(buckets - 1, Math.max(0, elapsedNanos / BUCKET.toNanos()));
    timeline.incrementAndGet(bucket * OUTCOMES + outcome.ordinal());
    byPhase.incrementAndGet(phase.ordinal() * OUTCOMES + outcome.ordinal());
    total.increment();
  }

  void recordException(String description) {
    exceptions.computeIfAbsent(description, k -> new LongAdder()).increment();
  }

  int inBucket(int bucket, Outcome outcome) {
    return timeline.get(bucket * OUTCOMES + outcome.ordinal());
  }

  int count(Phase phase, Outcome outcome) {
    return byPhase.get(phase.ordinal() * OUTCOMES + outcome.ordinal());
  }

  int count(Outcome outcome) {
    int sum = 0;
    for (Phase phase : Phase.values()) {
      sum += count(phase, outcome);
    }
    return sum;
  }

  long total() {
    return total.sum();
  }

  /** Requests blue answered once DNS no longer named it, at any status. */
  int blueAfterFlip() {
    int sum = 0;
    for (Phase phase : Phase.values()) {
      if (phase != Phase.STEADY) {
        sum += count(phase, Outcome.BLUE) + count(phase, Outcome.HTTP_503);
      }
    }
    return sum;
  }

  int errors() {
    return count(Outcome.HTTP_503) + count(Outcome.OTHER_STATUS) + count(Outcome.EXCEPTION);
  }

  /** The exceptions seen, most frequent first. */
  Map<String, Long> exceptionKinds() {
    Map<String, Long> sorted = new LinkedHashMap<>();
    exceptions.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
        .forEach(e -> sorted.put(e.getKey(), e.getValue().sum()));
    return sorted;
  }
}
