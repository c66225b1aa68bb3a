package dev.cutover.internal;

import java.time.Duration;

/**
 * How long the resolver keeps, serves and tracks answers; validated by {@code
 * CutoverResolver.Builder} (see its setters for each one's meaning). Immutable.
 *
 * @param minTtl floor for a record's TTL, and the retry interval after the first failure
 * @param maxTtl ceiling for a record's TTL, and for the retry interval
 * @param negativeTtl how long NXDOMAIN and NODATA are kept
 * @param maxStale how long past its TTL a good answer is served while DNS fails
 * @param idleTimeout how long a name may go unused before it is forgotten
 * @param maxHosts how many names are tracked at most
 * @param maxAddresses how many addresses a name keeps at most, 1 to {@link
 *     Membership#MAX_ADDRESSES}: the cap on what is read from an answer and on its membership
 */
public record CacheSettings(
    Duration minTtl,
    Duration maxTtl,
    Duration negativeTtl,
    Duration maxStale,
    Duration idleTimeout,
    int maxHosts,
    int maxAddresses) {}
