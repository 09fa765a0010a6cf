package tcpbalancer.client;

/** An image of one {@link RoundScheduler} round, with what the round has done with it so far. */
final class QueuedImage {

  final ImageFile file;
  /** Resends after a lost connection, bounded by {@code retries}. */
  int resends;
  /** Busy answers in a row, and since when: bounded by time, not by count. */
  int busyAnswers;
  long busySinceNanos;
  /** When it was first sent (0: not yet): its latency runs from there to its final answer. */
  long firstSentNanos;
  /** Whether the report counts it as sent yet (it is, once, when first sent or when it fails unsent). */
  boolean counted;

  QueuedImage(ImageFile file) {
    this.file = file;
  }
}
