package dev.cutover.okhttp.internal;

import java.io.InterruptedIOException;
import okhttp3.Call;

/** Waits between attempts. Replaced in tests so back-off is verified without sleeping. */
public interface Sleeper {

  /**
   * Waits the given time, returning early with an exception if the call is canceled or the
   * thread interrupted.
   */
  void sleep(long nanos, Call call) throws InterruptedIOException;

  /** Real time, in slices short enough to notice a canceled call promptly. */
  Sleeper SYSTEM = (nanos, call) -> {
    long deadline = System.nanoTime() + nanos;
    long remaining = nanos;
    while (remaining > 0) {
      if (call.isCanceled()) {
        throw new InterruptedIOException("canceled while waiting to retry");
      }
      try {
        java.util.concurrent.TimeUnit.NANOSECONDS.sleep(Math.min(remaining, 50_000_000L));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting to retry");
      }
      remaining = deadline - System.nanoTime();
    }
    if (call.isCanceled()) {
      throw new InterruptedIOException("canceled while waiting to retry");
    }
  };
}
