package dev.cutover.internal;

import dev.cutover.Ticker;

/**
 * Everything {@code CutoverResolver.Builder} was told, validated, handed whole to the {@link
 * CachingResolver}. Immutable.
 *
 * @param dns where and how to ask
 * @param cache how long answers are kept and served
 * @param ticker the time source for every deadline
 */
public record ResolverSettings(DnsSettings dns, CacheSettings cache, Ticker ticker) {}
