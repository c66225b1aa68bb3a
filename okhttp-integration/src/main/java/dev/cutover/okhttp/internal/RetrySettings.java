package dev.cutover.okhttp.internal;

import java.time.Duration;

/** The settings of one wrapped client, validated by the public builder. Immutable. */
public final class RetrySettings {
  final int maxAttempts;
  final Duration initialBackoff;
  final Duration maxBackoff;
  final Duration maxRetryAfter;
  final double retryBudgetRatio;
  final int minRetriesPerSecond;
  final boolean retryNonIdempotent;
  final String idempotencyKeyHeader;
  final Duration addressQuarantine;
  final Duration maxConnectionAge;

  public RetrySettings(int maxAttempts, Duration initialBackoff, Duration maxBackoff,
      Duration maxRetryAfter, double retryBudgetRatio, int minRetriesPerSecond,
      boolean retryNonIdempotent, String idempotencyKeyHeader, Duration addressQuarantine,
      Duration maxConnectionAge) {
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.maxRetryAfter = maxRetryAfter;
    this.retryBudgetRatio = retryBudgetRatio;
    this.minRetriesPerSecond = minRetriesPerSecond;
    this.retryNonIdempotent = retryNonIdempotent;
    this.idempotencyKeyHeader = idempotencyKeyHeader;
    this.addressQuarantine = addressQuarantine;
    this.maxConnectionAge = maxConnectionAge;
  }
}
