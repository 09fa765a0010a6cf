package tcpbalancer.backend;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.PixelInterleavedSampleModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

/**
 * Reads a source image for {@link ImageResizer}, holding no more pixels than the result needs: the header is
 * checked against the pixel limits and the decoded-image budget first; a source much larger than the result is
 * read subsampled (or scaled in the DCT domain by libjpeg-turbo, where installed, or from a progressive JPEG's first
 * scan); in {@code fill} mode only the region the box keeps.
 */
final class SourceDecoder {

  /** A subsampled read keeps at least this many source pixels per result pixel, each way. */
  static final int OVERSAMPLING = 4;

  private final long maxPixels;
  private final long maxResultPixels;
  private final DecodeBudget budget;
  /** libjpeg-turbo's DCT-scaled decoding, or null: JPEGs then go through ImageIO alone. */
  private final TurboJpegDecoder nativeJpeg;

  SourceDecoder(long maxPixels, long maxResultPixels, DecodeBudget budget, TurboJpegDecoder nativeJpeg) {
    this.maxPixels = maxPixels;
    this.maxResultPixels = maxResultPixels;
    this.budget = budget;
    this.nativeJpeg = nativeJpeg;
  }

  /**
   * The decoded source and the result's size. The size comes from the header, not from the decoded (perhaps
   * subsampled) image, whose rounded dimensions would round the result a second time.
   */
  record Decoded(BufferedImage image, ImageResizer.Dimensions target, String decoder,
                         DecodeBudget.Reservation reservation) {
  }

  /**
   * Decodes the first image, after checking from its header that neither it nor the result is too large to hold
   * in memory; a source much larger than the target box is read subsampled.
   */
  Decoded decode(ImageReader reader, ImageInputStream input, byte[] encoded, String format,
                 int boxWidth, int boxHeight, ResizeMode mode) {
    List<String> warnings = new ArrayList<>();
    reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
    reader.setInput(input, true, true);
    DecodeBudget.Reservation reservation = null;
    try {
      int sourceWidth = reader.getWidth(0);
      int sourceHeight = reader.getHeight(0);
      checkPixels("the image is", new ImageResizer.Dimensions(sourceWidth, sourceHeight), maxPixels);
      ImageReadParam param = reader.getDefaultReadParam();
      int width = sourceWidth;
      int height = sourceHeight;
      Rectangle region = null;
      if (mode == ResizeMode.FILL) {
        region = CropToFill.region(sourceWidth, sourceHeight, boxWidth, boxHeight);
        if (!SourceFormat.WEBP.equals(format)) {
          param.setSourceRegion(region); // TwelveMonkeys 3.12's WebP reader garbles one (its issue #1168)
        }
        width = region.width;
        height = region.height;
      }
      ImageResizer.Dimensions target = ImageResizer.targetSize(width, height, boxWidth, boxHeight, mode);
      checkPixels("the result would be", target, maxResultPixels);
      int step = subsampling(width, height, target);
      if (step > 1) {
        param.setSourceSubsampling(step, step, 0, 0);
      }
      long decodedPixels = (long) ((width + step - 1) / step) * ((height + step - 1) / step);
      // libjpeg-turbo scales the whole image: in fill mode, enough that the region keeps the target's pixels
      int wholeWidth = (int) Math.ceil((double) target.width() * sourceWidth / width);
      int wholeHeight = (int) Math.ceil((double) target.height() * sourceHeight / height);
      boolean viaLibjpeg = ImageResizer.JPEG.equals(format) && nativeJpeg != null;
      if (viaLibjpeg) {
        // Its smallest factor, 1/8, can leave more pixels than ImageIO's subsampled read: reserve for the larger.
        decodedPixels = Math.max(decodedPixels,
          nativeJpeg.decodedPixels(sourceWidth, sourceHeight, wholeWidth, wholeHeight));
      }
      reservation = budget.reserve(DecodeBudget.need(decodedPixels, (long) target.width() * target.height()));
      byte[] jpeg = encoded;
      if (ImageResizer.JPEG.equals(format) && firstScanSuffices(reader, encoded, width, height, target)) {
        byte[] firstScan = ProgressiveJpeg.firstScanOnly(encoded);
        if (firstScan != null) {
          jpeg = firstScan;
          reader.setInput(new ByteArrayImageInputStream(firstScan), true, true);
        }
      }
      if (viaLibjpeg) {
        BufferedImage scaledByLibjpeg = nativeJpeg.decode(jpeg, wholeWidth, wholeHeight);
        if (scaledByLibjpeg != null) {
          BufferedImage kept = region == null ? scaledByLibjpeg
            : CropToFill.cut(scaledByLibjpeg, region, sourceWidth, sourceHeight);
          return new Decoded(kept, target, ResizeStages.LIBJPEG_TURBO, reservation);
        }
      }
      if (ImageResizer.PNG.equals(format)
        && BoxShrink.shrinks((width + step - 1) / step, (height + step - 1) / step, target)) {
        inStoredOrder(reader, param); // only then: BoxShrink reads it, imgscalr would draw it slowly
      }
      BufferedImage image = reader.read(0, param);
      if (region != null) {
        image = CropToFill.ofRegion(image, region, sourceWidth, sourceHeight, step);
      }
      for (String warning : warnings) {
        if (warning.toLowerCase(Locale.ROOT).contains("premature end")) {
          throw new StatusException(Status.CORRUPT_IMAGE, "the image is truncated: " + warning);
        }
      }
      return new Decoded(image, target, ResizeStages.IMAGEIO, reservation);
    } catch (StatusException e) {
      release(reservation);
      throw e; // already says why
    } catch (IOException | RuntimeException e) {
      release(reservation);
      throw new StatusException(Status.CORRUPT_IMAGE, "the image cannot be decoded: " + describe(e), e);
    }
  }

  /**
   * Has the JDK's PNG reader decode 8-bit RGB and RGBA into bytes in the file's own order (R, G, B, A), which it
   * copies a row at a time, rather than into its default BGR and ABGR images, which it fills a sample at a time (a
   * fifth of the flower's decoding). {@link BoxShrink} turns that layout into one Java 2D draws from quickly.
   */
  private static void inStoredOrder(ImageReader reader, ImageReadParam param) throws IOException {
    Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
    int preferred = types.next().getBufferedImageType();
    // The same bands as the default (4 for RGB with a transparent colour): only their order changes.
    int bands = preferred == BufferedImage.TYPE_4BYTE_ABGR ? 4 : preferred == BufferedImage.TYPE_3BYTE_BGR ? 3 : 0;
    while (bands > 0 && types.hasNext()) {
      ImageTypeSpecifier type = types.next();
      if (type.getBufferedImageType() == BufferedImage.TYPE_CUSTOM
        && type.getSampleModel() instanceof PixelInterleavedSampleModel model
        && model.getDataType() == DataBuffer.TYPE_BYTE && model.getNumBands() == bands
        && Arrays.equals(model.getBandOffsets(), IntStream.range(0, model.getNumBands()).toArray())) {
        param.setDestinationType(type);
        return;
      }
    }
  }

  private static void release(DecodeBudget.Reservation reservation) {
    if (reservation != null) {
      reservation.close();
    }
  }

  private static void checkPixels(String what, ImageResizer.Dimensions size, long limit) {
    long pixels = (long) size.width() * size.height();
    if (pixels > limit) {
      throw new StatusException(Status.TOO_MANY_PIXELS, String.format(Locale.ROOT,
        "%s %dx%d (%.1f megapixels), over the limit of %.1f megapixels", what, size.width(), size.height(),
        pixels / 1e6, limit / 1e6));
    }
  }

  /** How many source pixels a subsampled read may skip, each way, keeping {@link #OVERSAMPLING} per result pixel. */
  static int subsampling(int sourceWidth, int sourceHeight, ImageResizer.Dimensions target) {
    return Math.max(1, Math.min(sourceWidth / (OVERSAMPLING * target.width()),
      sourceHeight / (OVERSAMPLING * target.height())));
  }

  /**
   * True when a JPEG may be read from its first scan only (see {@link ProgressiveJpeg}): the result
   * is at most an eighth of the source each way, and the file is complete (ends with its EOI marker), so that
   * a truncated file still goes through the full read that reports it.
   */
  private static boolean firstScanSuffices(ImageReader reader, byte[] encoded, int width, int height,
                                           ImageResizer.Dimensions target) throws IOException {
    boolean smallEnough = width >= ProgressiveJpeg.BLOCK * target.width()
      && height >= ProgressiveJpeg.BLOCK * target.height();
    return smallEnough && endsWithEoi(encoded) && ProgressiveJpeg.firstScanHoldsEveryDc(reader.getImageMetadata(0));
  }

  /** JPEG's end-of-image marker, FF D9, closes every complete file. */
  private static boolean endsWithEoi(byte[] encoded) {
    int n = encoded.length;
    return n >= 2 && encoded[n - 2] == (byte) 0xFF && encoded[n - 1] == (byte) 0xD9;
  }

  private static String describe(Exception e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null ? root.getClass().getSimpleName() : message;
  }
}
