package dev.cutover.okhttp.internal;

import dev.cutover.okhttp.DrainMode;
import java.time.Duration;

/**
 * How a wrapped client retires pooled connections; validated by {@code CutoverOkHttp.Builder}.
 * Immutable.
 *
 * @param mode how busy connections are stopped
 * @param addressQuarantine how long a failing address goes last in DNS answers; zero for never
 * @param maxConnectionAge the age at which a connection is retired; zero for never
 */
public record DrainSettings(DrainMode mode, Duration addressQuarantine,
    Duration maxConnectionAge) {}
