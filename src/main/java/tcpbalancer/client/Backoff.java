package tcpbalancer.client;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Waits before trying again (a reconnect, a resend after a busy answer): exponential with full jitter, a random
 * time between 0 and {@code min(2 s, 100 ms × 2^(attempt - 1))}. The randomness keeps the connections and images
 * that failed together from all coming back at the same moment and failing together again.
 */
final class Backoff {

  static final long BASE_MILLIS = 100;
  static final long MAX_MILLIS = 2_000;

  private Backoff() {
  }

  /** The wait before try {@code attempt + 1}, after {@code attempt} (1, 2, ...) failed in a row. */
  static long millis(int attempt) {
    long ceiling = Math.min(MAX_MILLIS, BASE_MILLIS << Math.min(Math.max(attempt, 1) - 1, 20));
    return ThreadLocalRandom.current().nextLong(ceiling + 1);
  }
}
