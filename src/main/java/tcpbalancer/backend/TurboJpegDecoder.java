package tcpbalancer.backend;

import java.awt.image.BufferedImage;
import java.util.Optional;

/**
 * Decodes a JPEG with libjpeg-turbo at a reduced size: its IDCT scales by a factor from 1/8 to 1 (each 8x8 block
 * becomes a 1x1 to 8x8 one), so the pixels never read are never computed, where ImageIO decodes every pixel and
 * drops most of them. CMYK and YCCK images without a colour profile are decoded as CMYK and
 * converted to RGB as ImageIO's reader would ({@link GenericCmyk}), on the reduced image. Declines (returns null)
 * what ImageIO reads better or reports better: images whose colour profile would change their colours
 * ({@link EmbeddedIccProfile}; any profile, for CMYK),
 * and any file libjpeg-turbo warns about or fails on, so that a damaged file gets ImageIO's specific reason.
 * Thread-safe: a decompressor per call.
 */
final class TurboJpegDecoder {

  /**
   * The DCT-scaled read keeps at least this many source pixels per result pixel, each way: where imgscalr's finer
   * steps begin (BoxShrink shrinks to 1.5 times the result). A scaled IDCT is a filtered reduction (each
   * output pixel comes from all of its block), unlike ImageIO's subsampling, which skips pixels, so it needs no
   * more: its results are closer to a full-size resize than the subsampled read at 4 times (the quality test).
   */
  static final double OVERSAMPLING = 1.5;

  private final TurboJpegLibrary library;

  TurboJpegDecoder(TurboJpegLibrary library) {
    this.library = library;
  }

  /** The native decoder, when libjpeg-turbo's binding is installed; {@code enabled} false forces ImageIO. */
  static Optional<TurboJpegDecoder> ifAvailable(boolean enabled) {
    return enabled ? TurboJpegLibrary.get().map(TurboJpegDecoder::new) : Optional.empty();
  }

  /**
   * {@code jpeg} decoded at the smallest of libjpeg-turbo's scaling factors that keeps {@link #OVERSAMPLING}
   * times the target (the result's size, as the image is stored), or null when this decoder declines it.
   */
  BufferedImage decode(byte[] jpeg, int targetWidth, int targetHeight) {
    Object decompressor = null;
    try {
      decompressor = library.open(jpeg);
      int colorspace = library.colorspace(decompressor);
      int width = library.width(decompressor);
      int height = library.height(decompressor);
      int[] factor = factorFor(width, height, targetWidth, targetHeight);
      int scaledWidth = scaled(width, factor);
      int scaledHeight = scaled(height, factor);
      if (colorspace == TurboJpegLibrary.CS_CMYK || colorspace == TurboJpegLibrary.CS_YCCK) {
        // Only without a profile: with one, ImageIO's reader converts through it (and its quirks) itself.
        if (!EmbeddedIccProfile.none(jpeg)) {
          return null;
        }
        byte[] cmyk = library.decompressBytes(decompressor, scaledWidth, scaledHeight, TurboJpegLibrary.PF_CMYK,
          TurboJpegLibrary.FLAG_STOP_ON_WARNING);
        return GenericCmyk.toRgb(cmyk, scaledWidth, scaledHeight);
      }
      if (colorspace != TurboJpegLibrary.CS_YCBCR && colorspace != TurboJpegLibrary.CS_RGB
        && colorspace != TurboJpegLibrary.CS_GRAY) {
        return null;
      }
      if (!EmbeddedIccProfile.leavesPixelsAsStored(jpeg)) {
        return null;
      }
      int type = colorspace == TurboJpegLibrary.CS_GRAY ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB;
      return library.decompress(decompressor, scaledWidth, scaledHeight, type, TurboJpegLibrary.FLAG_STOP_ON_WARNING);
    } catch (Exception e) {
      return null; // ImageIO reads it again, and says what is wrong with it if anything is
    } finally {
      closeQuietly(decompressor);
    }
  }

  /** How many pixels {@link #decode} holds for a {@code width} x {@code height} JPEG and that target. */
  long decodedPixels(int width, int height, int targetWidth, int targetHeight) {
    int[] factor = factorFor(width, height, targetWidth, targetHeight);
    return (long) scaled(width, factor) * scaled(height, factor);
  }

  /** The smallest factor at most 1 whose scaled image keeps OVERSAMPLING times the target each way. */
  int[] factorFor(int width, int height, int targetWidth, int targetHeight) {
    int[] best = {1, 1};
    for (int[] factor : library.scalingFactors()) {
      boolean reduces = factor[0] <= factor[1];
      boolean keepsEnough = scaled(width, factor) >= OVERSAMPLING * targetWidth
        && scaled(height, factor) >= OVERSAMPLING * targetHeight;
      if (reduces && keepsEnough && factor[0] * best[1] < best[0] * factor[1]) {
        best = factor;
      }
    }
    return best;
  }

  /** TurboJPEG's TJSCALED: a dimension scaled by a factor, rounded up. */
  static int scaled(int dimension, int[] factor) {
    return (dimension * factor[0] + factor[1] - 1) / factor[1];
  }

  private void closeQuietly(Object decompressor) {
    if (decompressor != null) {
      try {
        library.close(decompressor);
      } catch (Exception e) {
        // Nothing was left open that a failed close would keep: its handle is freed by its finalizer then.
      }
    }
  }
}
