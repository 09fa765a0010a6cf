package tcpbalancer.backend;

import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

/**
 * The native memory libjpeg holds while it decodes a progressive JPEG: every DCT coefficient of the whole image
 * (2 bytes each, 64 a block, each component at its own sampling), however small the result, because later scans
 * refine coefficients of the whole image. Both libjpeg-turbo and ImageIO's libjpeg malloc it outside the Java heap,
 * where neither -Xmx nor {@link DecodeBudget} bounds it: a 13-megapixel 4:2:2 photo takes 54 MB, two workers
 * decoding one each took the backends' RSS 110 MB higher. Decodes of this JVM share {@link #MAX} bytes of it; one
 * that does not fit now waits (on its worker thread, FIFO) for others to finish, one larger than the whole budget
 * runs alone, and one that waits {@link #WAIT_SECONDS} is answered BUSY. Baseline JPEGs decode row by row and
 * hold none of it. Thread-safe.
 */
final class JpegCoefficientBudget {

  /** What this JVM's decodes may hold at once: one 16-megapixel 4:2:0 progressive photo's coefficients and more. */
  static final long MAX = 64L << 20;
  static final JpegCoefficientBudget NATIVE = new JpegCoefficientBudget(MAX, 30);
  private static final int KIB = 1 << 10;

  private final int permits;
  private final long waitSeconds;
  /** In KiB, so that a semaphore's int counts any budget; fair, so a large decode is not overtaken for ever. */
  private final Semaphore free;

  JpegCoefficientBudget(long maxBytes, long waitSeconds) {
    this.permits = (int) Math.max(1, maxBytes / KIB);
    this.waitSeconds = waitSeconds;
    this.free = new Semaphore(permits, true);
  }

  /** A closed hold: what a decode that needs no coefficient buffer holds. */
  static final Hold NOTHING = () -> { };

  /** Held until closed (once). */
  interface Hold extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Waits until {@code jpeg}'s coefficients fit beside the other decodes' (nothing to wait for when it is not a
   * progressive JPEG), or throws the BUSY {@link StatusException} the request is answered with.
   */
  Hold hold(byte[] jpeg) {
    long bytes = progressiveCoefficientBytes(jpeg);
    if (bytes == 0) {
      return NOTHING;
    }
    int wanted = (int) Math.min(permits, (bytes + KIB - 1) / KIB);
    try {
      if (!free.tryAcquire(wanted, waitSeconds, TimeUnit.SECONDS)) {
        throw new StatusException(Status.BUSY, String.format(Locale.ROOT, "decoding this progressive JPEG takes %d"
          + " MiB of native memory, and the resize workers' %d MiB for it stayed taken for %d s; try again",
          bytes >> 20, ((long) permits * KIB) >> 20, waitSeconds));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StatusException(Status.BUSY, "the resize worker was interrupted while waiting for native memory");
    }
    return new Hold() {
      private boolean held = true;

      @Override
      public synchronized void close() {
        if (held) {
          held = false;
          free.release(wanted);
        }
      }
    };
  }

  /** Bytes free now, to the KiB. */
  long available() {
    return (long) free.availablePermits() * KIB;
  }

  /**
   * The bytes libjpeg allocates for a progressive JPEG's coefficients (its SOF2, SOF6, SOF10 or SOF14 frame), or 0
   * for any other file or one whose frame header cannot be found: each component's blocks, padded to whole MCUs
   * as libjpeg pads them, times 64 coefficients of 2 bytes.
   */
  static long progressiveCoefficientBytes(byte[] jpeg) {
    int at = 2;
    if (jpeg.length < 4 || (jpeg[0] & 0xFF) != 0xFF || (jpeg[1] & 0xFF) != 0xD8) {
      return 0;
    }
    while (at + 4 <= jpeg.length && (jpeg[at] & 0xFF) == 0xFF) {
      int marker = jpeg[at + 1] & 0xFF;
      if (marker == 0xFF) {
        at++;
        continue;
      }
      int length = u16(jpeg, at + 2);
      boolean frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (frame) {
        boolean progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE;
        return progressive ? frameCoefficientBytes(jpeg, at + 4) : 0;
      }
      if (marker == 0xDA || marker == 0xD9) {
        return 0; // a scan before any frame header: not a JPEG libjpeg reads
      }
      at += 2 + length;
    }
    return 0;
  }

  private static long frameCoefficientBytes(byte[] jpeg, int at) {
    if (at + 6 > jpeg.length) {
      return 0;
    }
    int height = u16(jpeg, at + 1);
    int width = u16(jpeg, at + 3);
    int components = jpeg[at + 5] & 0xFF;
    if (at + 6 + 3 * components > jpeg.length) {
      return 0;
    }
    int maxH = 1;
    int maxV = 1;
    for (int c = 0; c < components; c++) {
      int sampling = jpeg[at + 7 + 3 * c] & 0xFF;
      maxH = Math.max(maxH, sampling >> 4);
      maxV = Math.max(maxV, sampling & 0x0F);
    }
    long bytes = 0;
    for (int c = 0; c < components; c++) {
      int sampling = jpeg[at + 7 + 3 * c] & 0xFF;
      int h = Math.max(1, sampling >> 4);
      int v = Math.max(1, sampling & 0x0F);
      long blocksWide = roundUp(ceilDiv((long) width * h, 8L * maxH), h);
      long blocksHigh = roundUp(ceilDiv((long) height * v, 8L * maxV), v);
      bytes += blocksWide * blocksHigh * 64 * 2;
    }
    return bytes;
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  private static long roundUp(long a, long multiple) {
    return ceilDiv(a, multiple) * multiple;
  }

  private static int u16(byte[] bytes, int at) {
    return (bytes[at] & 0xFF) << 8 | (bytes[at + 1] & 0xFF);
  }
}
