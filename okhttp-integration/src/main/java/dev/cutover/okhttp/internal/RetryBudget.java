package dev.cutover.okhttp.internal;

import dev.cutover.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Caps retries at a share of recent requests plus a small floor, over a sliding window of ten
 * one-second buckets, so that when the new environment fails too, retries add at most that share
 * of load instead of multiplying it.
 *
 * <p>Recording a request is a striped counter increment (no shared write contention); only
 * retries, which are rare, take the lock.
 */
final class RetryBudget {
  private static final int BUCKETS = 10;
  private static final long BUCKET_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Ticker ticker;
  private final double ratio;
  private final int minRetriesPerSecond;
  private final Bucket[] buckets = new Bucket[BUCKETS];

  RetryBudget(Ticker ticker, double ratio, int minRetriesPerSecond) {
    this.ticker = ticker;
    this.ratio = ratio;
    this.minRetriesPerSecond = minRetriesPerSecond;
    long second = Math.floorDiv(ticker.read(), BUCKET_NANOS);
    for (int i = 0; i < BUCKETS; i++) {
      buckets[i] = new Bucket(second);
    }
  }

  /** Counts a request made at {@code now} (ticker time), read once by the caller for the call. */
  void recordRequest(long now) {
    bucket(Math.floorDiv(now, BUCKET_NANOS)).requests.increment();
  }

  /** Takes one retry from the budget; false if the budget is spent. */
  synchronized boolean tryAcquire() {
    long second = Math.floorDiv(ticker.read(), BUCKET_NANOS);
    long requests = 0;
    long retries = 0;
    for (Bucket bucket : buckets) {
      if (second - bucket.second < BUCKETS) {
        requests += bucket.requests.sum();
        retries += bucket.retries;
      }
    }
    double allowed = ratio * requests + (double) minRetriesPerSecond * BUCKETS;
    if (retries + 1 > allowed) {
      return false;
    }
    bucket(second).retries++;
    return true;
  }

  private Bucket bucket(long second) {
    Bucket bucket = buckets[(int) Math.floorMod(second, (long) BUCKETS)];
    if (bucket.second != second) {
      synchronized (this) {
        if (bucket.second != second) {
          reuse(bucket, second);
        }
      }
    }
    return bucket;
  }

  /** Hands a bucket whose second has passed to a new second. */
  private void reuse(Bucket bucket, long second) {
    // Two threads entering a new second must not both reset it, or one's retries would vanish.
    assert Thread.holdsLock(this);
    bucket.requests.reset();
    bucket.retries = 0;
    bucket.second = second;
  }

  private static final class Bucket {
    volatile long second;
    final LongAdder requests = new LongAdder();
    /** Guarded by the budget's lock. */
    long retries;

    Bucket(long second) {
      this.second = second;
    }
  }
}
