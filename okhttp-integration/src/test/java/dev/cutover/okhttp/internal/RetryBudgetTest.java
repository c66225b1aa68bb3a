package dev.cutover.okhttp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Retries are capped at a share of the last ten seconds' requests plus a floor per second. */
class RetryBudgetTest {
  private final FakeTicker ticker = new FakeTicker();

  @Test
  void aQuietClientGetsTheFloor() {
    RetryBudget budget = new RetryBudget(ticker::read, 0.2, 3);
    assertEquals(30, acquireAll(budget), "3 per second over a 10 s window");
  }

  @Test
  void retriesAreAShareOfRecentRequests() {
    RetryBudget budget = new RetryBudget(ticker::read, 0.5, 0);
    assertFalse(budget.tryAcquire(), "no requests, no floor: no retries");
    for (int i = 0; i < 10; i++) {
      budget.recordRequest(ticker.read());
    }
    assertEquals(5, acquireAll(budget));
    budget.recordRequest(ticker.read());
    budget.recordRequest(ticker.read());
    assertEquals(1, acquireAll(budget), "two more requests buy one more retry");
  }

  @Test
  void theWindowSlidesPerSecond() {
    RetryBudget budget = new RetryBudget(ticker::read, 1.0, 0);
    for (int i = 0; i < 4; i++) {
      budget.recordRequest(ticker.read());
    }
    assertEquals(4, acquireAll(budget));
    ticker.advance(Duration.ofMillis(9_999));
    assertFalse(budget.tryAcquire(), "the retries of 9.999 s ago still count");
    ticker.advance(Duration.ofMillis(1));
    budget.recordRequest(ticker.read());
    assertTrue(budget.tryAcquire(), "10 s later the old second has left the window");
    assertFalse(budget.tryAcquire());
  }

  @Test
  void aBucketReusedAfterTheWindowStartsEmpty() {
    RetryBudget budget = new RetryBudget(ticker::read, 0.0, 1);
    assertEquals(10, acquireAll(budget));
    ticker.advance(Duration.ofSeconds(25)); // the same bucket, two windows later
    assertEquals(10, acquireAll(budget));
  }

  private static int acquireAll(RetryBudget budget) {
    int granted = 0;
    while (budget.tryAcquire()) {
      granted++;
      if (granted > 1_000) {
        throw new AssertionError("unbounded");
      }
    }
    return granted;
  }
}
