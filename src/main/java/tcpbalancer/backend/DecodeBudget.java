package tcpbalancer.backend;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

/**
 * The heap the resize workers of this JVM may fill with decoded images at once. Each resize reserves, from the
 * source's header and before decoding, what its pixels will take; one that does not fit now is answered BUSY (the
 * client sends it again after a pause), one that could never fit is refused as too many pixels. With the request
 * bytes (a quarter of the heap, {@link BackendLimits}), this is what keeps any input from exhausting the heap,
 * whatever the number of workers. Thread-safe: workers run on several threads.
 */
final class DecodeBudget {

  /** This JVM's budget: a quarter of the heap, beside the request bytes' quarter and what they are copied to. */
  static final DecodeBudget HEAP = new DecodeBudget(Runtime.getRuntime().maxMemory() / 4);

  /**
   * Bytes a resize holds per pixel decoded: the source as decoded (up to 4 bytes a pixel) and its copy as RGB
   * integers for resizing; and per result pixel: the last resizing steps and the result.
   */
  static final int BYTES_PER_SOURCE_PIXEL = 8;
  static final int BYTES_PER_RESULT_PIXEL = 12;

  private final long max;
  private final AtomicLong held = new AtomicLong();

  DecodeBudget(long max) {
    this.max = max;
  }

  /** What decoding {@code sourcePixels} (after subsampling) into {@code resultPixels} holds, in bytes. */
  static long need(long sourcePixels, long resultPixels) {
    return sourcePixels * BYTES_PER_SOURCE_PIXEL + resultPixels * BYTES_PER_RESULT_PIXEL;
  }

  /** Reserves {@code bytes}, or throws the {@link StatusException} the request is answered with. */
  Reservation reserve(long bytes) {
    if (bytes > max) {
      throw new StatusException(Status.TOO_MANY_PIXELS, String.format(Locale.ROOT,
        "decoding and resizing this image takes about %d MiB, more than this backend's %d MiB for decoded images"
          + " (a quarter of its heap)", bytes >> 20, max >> 20));
    }
    long now = held.addAndGet(bytes);
    if (now > max) {
      held.addAndGet(-bytes);
      throw new StatusException(Status.BUSY, String.format(Locale.ROOT,
        "the resize workers hold %d of their %d MiB for decoded images; try again", (now - bytes) >> 20, max >> 20));
    }
    return new Reservation(bytes);
  }

  long held() {
    return held.get();
  }

  long max() {
    return max;
  }

  /** Bytes reserved, given back by {@link #close()} (once). */
  final class Reservation implements AutoCloseable {
    private long bytes;

    private Reservation(long bytes) {
      this.bytes = bytes;
    }

    @Override
    public void close() {
      held.addAndGet(-bytes);
      bytes = 0;
    }
  }
}
