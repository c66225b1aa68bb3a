package dev.cutover.okhttp.internal;

import java.time.Duration;

/**
 * When and how a wrapped client retries; validated by {@code CutoverOkHttp.Builder} (see its
 * setters for each one's meaning). Immutable.
 *
 * @param maxAttempts attempts per call in all, the first included
 * @param initialBackoff the back-off ceiling before the first retry
 * @param maxBackoff the largest back-off ceiling
 * @param maxRetryAfter the longest {@code Retry-After} waited out
 * @param retryBudgetRatio the share of recent requests that retries may add
 * @param minRetriesPerSecond retries per second allowed whatever the traffic
 * @param retryNonIdempotent whether non-idempotent methods may be retried after being sent
 * @param idempotencyKeyHeader the header that makes a POST or PATCH safe to retry
 */
public record RetrySettings(
    int maxAttempts,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration maxRetryAfter,
    double retryBudgetRatio,
    int minRetriesPerSecond,
    boolean retryNonIdempotent,
    String idempotencyKeyHeader) {}
