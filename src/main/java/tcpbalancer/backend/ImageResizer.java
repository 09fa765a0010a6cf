package tcpbalancer.backend;

import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.imaging.jpeg.JpegProcessingException;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifReader;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.imgscalr.Scalr;
import tcpbalancer.protocol.OutputFormat;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

/**
 * Resizes one encoded image (JPEG, PNG, WebP, BMP, TIFF, or a GIF's first frame, told apart by their bytes) into a
 * JPEG or a PNG. Blocking and CPU-heavy: call it only from a worker thread. Thread-safe: it holds no per-image state.
 *
 * <p>Decoding goes through ImageIO with the TwelveMonkeys plugins (whose JPEG reader reads CMYK/YCCK JPEGs the JDK
 * cannot); the EXIF orientation is applied so that results are upright; an embedded ICC profile is converted to
 * sRGB ({@link ColourConversion}); in {@code fill} mode only the centred region the box keeps is read
 * ({@link CropToFill}); resizing is imgscalr's
 * {@link Scalr.Method#QUALITY} down to 1.5 times the result's size, then {@link Scalr.Method#ULTRA_QUALITY}. A
 * source much larger than the result is read subsampled, down to at least {@link #OVERSAMPLING} times the
 * result's size, and a progressive JPEG at least 8 times larger is read from its first scan only
 * ({@link ProgressiveJpeg}): most of the decoding and scaling work is skipped, and a test keeps the result close to
 * a full-size resize.
 */
public final class ImageResizer {

  static final String JPEG = "jpeg";
  static final String PNG = "png";
  /** A subsampled read keeps at least this many source pixels per result pixel, each way. */
  static final int OVERSAMPLING = 4;

  private final long maxPixels;
  private final long maxResultPixels;
  private final ResultEncoder encoder;
  /** libjpeg-turbo's DCT-scaled decoding, or null: JPEGs then go through ImageIO alone. */
  private final TurboJpegDecoder nativeJpeg;

  public ImageResizer(ResizeWorkerOptions options) {
    this.maxPixels = options.maxPixels();
    this.maxResultPixels = options.maxResultPixels();
    this.encoder = new ResultEncoder(options.jpegQuality() / 100f);
    this.nativeJpeg = TurboJpegDecoder.ifAvailable(options.nativeJpeg()).orElse(null);
  }

  /** A result in the source's format (PNG for sources other than JPEG) at the configured JPEG quality. */
  public ResizedImage resize(byte[] encoded, int width, int height, ResizeMode mode) {
    return resize(encoded, width, height, mode, OutputFormat.SAME, ResizeRequest.BACKEND_QUALITY);
  }

  /** A result in {@code output}; {@code quality} 1..100 for a JPEG, or 0 for the configured one. */
  public ResizedImage resize(byte[] encoded, int width, int height, ResizeMode mode, OutputFormat output,
                             int quality) {
    Scaled scaled = scale(encoded, width, height, mode);
    String format = outputFormat(scaled.format(), output);
    BufferedImage pixels = OutputPixels.forFormat(scaled.image(), format, scaled.grey());
    byte[] bytes = encoder.encode(pixels, format, scaled.grey(), quality);
    return new ResizedImage(bytes, format, pixels.getWidth(), pixels.getHeight());
  }

  /** JPEG stays JPEG; every other source is written as PNG, which loses none of its pixels or its alpha. */
  static String outputFormat(String sourceFormat, OutputFormat output) {
    return switch (output) {
      case JPEG -> JPEG;
      case PNG -> PNG;
      case SAME -> JPEG.equals(sourceFormat) ? JPEG : PNG;
    };
  }

  /**
   * A decoded, resized and upright image in sRGB, before encoding; {@code format} is the source's; {@code grey} when
   * the source had one colour channel (with or without alpha).
   */
  record Scaled(BufferedImage image, String format, boolean grey) {
  }

  Scaled scale(byte[] encoded, int width, int height, ResizeMode mode) {
    return scale(encoded, width, height, mode, ResizeStages.NONE);
  }

  /** As {@link #scale(byte[], int, int, ResizeMode)}, telling {@code stages} when each stage ends. */
  Scaled scale(byte[] encoded, int width, int height, ResizeMode mode, ResizeStages stages) {
    if (encoded.length == 0) {
      throw new StatusException(Status.EMPTY_IMAGE, "the image is empty (0 bytes)");
    }
    ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded));
    ImageReader reader = SourceFormat.readerFor(input);
    try {
      String format = SourceFormat.of(reader);
      Orientation orientation = JPEG.equals(format) ? orientationOf(encoded) : Orientation.NORMAL;
      // Resize before rotating (fewer pixels to turn), so a sideways image is fitted into the turned box.
      int boxWidth = orientation.swapsAxes() ? height : width;
      int boxHeight = orientation.swapsAxes() ? width : height;
      Decoded decoded = decode(reader, input, encoded, format, boxWidth, boxHeight, mode);
      stages.decoded(decoded.decoder());
      BufferedImage source = decoded.image();
      boolean grey = source.getColorModel().getNumColorComponents() == 1;
      ColourConversion.Deferred colour = ColourConversion.defer(source,
        PNG.equals(format) ? PngProfile.of(encoded) : null);
      // imgscalr's drawing would brighten grey with alpha: its samples are copied as sRGB first (see StoredGrey).
      BufferedImage scalable = StoredGrey.asSrgb(colour.image());
      BufferedImage resized = colour.toSrgb(resize(scalable, decoded.target()));
      source.flush();
      scalable.flush();
      Scaled scaled = new Scaled(orientation.apply(resized), format, grey);
      stages.scaled();
      return scaled;
    } finally {
      reader.dispose();
    }
  }

  /**
   * imgscalr's QUALITY method halves the image in bicubic steps down to one and a half times the result's size,
   * cheaply; its ULTRA_QUALITY method takes the finer steps of the rest of the way, where they show.
   */
  private static BufferedImage resize(BufferedImage source, Dimensions target) {
    BufferedImage image = source;
    int width = target.width() * 3 / 2;
    int height = target.height() * 3 / 2;
    if (source.getWidth() > width && source.getHeight() > height) {
      image = Scalr.resize(source, Scalr.Method.QUALITY, Scalr.Mode.FIT_EXACT, width, height);
    }
    BufferedImage resized = Scalr.resize(image, Scalr.Method.ULTRA_QUALITY, Scalr.Mode.FIT_EXACT, target.width(),
      target.height());
    if (image != source) {
      image.flush();
    }
    if (resized.getWidth() != target.width() || resized.getHeight() != target.height()) {
      // imgscalr's incremental steps take a seventh off each way, rounded down: a side of 6 pixels or fewer never
      // shrinks, and the loop stops short of the target. One direct step finishes the way.
      BufferedImage nearly = resized;
      resized = Scalr.resize(nearly, Scalr.Method.BALANCED, Scalr.Mode.FIT_EXACT, target.width(), target.height());
      nearly.flush();
    }
    return resized;
  }

  /**
   * The decoded source and the result's size. The size comes from the header, not from the decoded (perhaps
   * subsampled) image, whose rounded dimensions would round the result a second time.
   */
  private record Decoded(BufferedImage image, Dimensions target, String decoder) {
  }

  /**
   * Decodes the first image, after checking from its header that neither it nor the result is too large to hold
   * in memory; a source much larger than the target box is read subsampled.
   */
  private Decoded decode(ImageReader reader, ImageInputStream input, byte[] encoded, String format,
                               int boxWidth, int boxHeight, ResizeMode mode) {
    List<String> warnings = new ArrayList<>();
    reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
    reader.setInput(input, true, true);
    try {
      int sourceWidth = reader.getWidth(0);
      int sourceHeight = reader.getHeight(0);
      checkPixels("the image is", new Dimensions(sourceWidth, sourceHeight), maxPixels);
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
      Dimensions target = targetSize(width, height, boxWidth, boxHeight, mode);
      checkPixels("the result would be", target, maxResultPixels);
      int step = subsampling(width, height, target);
      if (step > 1) {
        param.setSourceSubsampling(step, step, 0, 0);
      }
      byte[] jpeg = encoded;
      if (JPEG.equals(format) && firstScanSuffices(reader, encoded, width, height, target)) {
        byte[] firstScan = ProgressiveJpeg.firstScanOnly(encoded);
        if (firstScan != null) {
          jpeg = firstScan;
          reader.setInput(new MemoryCacheImageInputStream(new ByteArrayInputStream(firstScan)), true, true);
        }
      }
      if (JPEG.equals(format) && nativeJpeg != null) {
        // libjpeg-turbo scales the whole image: in fill mode, enough that the region keeps the target's pixels
        int wholeWidth = (int) Math.ceil((double) target.width() * sourceWidth / width);
        int wholeHeight = (int) Math.ceil((double) target.height() * sourceHeight / height);
        BufferedImage scaledByLibjpeg = nativeJpeg.decode(jpeg, wholeWidth, wholeHeight);
        if (scaledByLibjpeg != null) {
          BufferedImage kept = region == null ? scaledByLibjpeg
            : CropToFill.cut(scaledByLibjpeg, region, sourceWidth, sourceHeight);
          return new Decoded(kept, target, ResizeStages.LIBJPEG_TURBO);
        }
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
      return new Decoded(image, target, ResizeStages.IMAGEIO);
    } catch (StatusException e) {
      throw e; // already says why
    } catch (IOException | RuntimeException e) {
      throw new StatusException(Status.CORRUPT_IMAGE, "the image cannot be decoded: " + describe(e), e);
    }
  }

  private static void checkPixels(String what, Dimensions size, long limit) {
    long pixels = (long) size.width() * size.height();
    if (pixels > limit) {
      throw new StatusException(Status.TOO_MANY_PIXELS, String.format(Locale.ROOT,
        "%s %dx%d (%.1f megapixels), over the limit of %.1f megapixels", what, size.width(), size.height(),
        pixels / 1e6, limit / 1e6));
    }
  }

  /** How many source pixels a subsampled read may skip, each way, keeping {@link #OVERSAMPLING} per result pixel. */
  static int subsampling(int sourceWidth, int sourceHeight, Dimensions target) {
    return Math.max(1, Math.min(sourceWidth / (OVERSAMPLING * target.width()),
      sourceHeight / (OVERSAMPLING * target.height())));
  }

  /**
   * True when a JPEG may be read from its first scan only (see {@link ProgressiveJpeg}): the result
   * is at most an eighth of the source each way, and the file is complete (ends with its EOI marker), so that
   * a truncated file still goes through the full read that reports it.
   */
  private static boolean firstScanSuffices(ImageReader reader, byte[] encoded, int width, int height,
                                           Dimensions target) throws IOException {
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

  private static Orientation orientationOf(byte[] jpeg) {
    try {
      Metadata metadata = JpegMetadataReader.readMetadata(new ByteArrayInputStream(jpeg), List.of(new ExifReader()));
      ExifIFD0Directory exif = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
      if (exif != null && exif.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
        return Orientation.fromExif(exif.getInt(ExifIFD0Directory.TAG_ORIENTATION));
      }
    } catch (JpegProcessingException | IOException | com.drew.metadata.MetadataException e) {
      // Unreadable EXIF does not make the image unusable: show it as stored.
    }
    return Orientation.NORMAL;
  }

  static Dimensions targetSize(int sourceWidth, int sourceHeight, int boxWidth, int boxHeight, ResizeMode mode) {
    if (mode == ResizeMode.EXACT || mode == ResizeMode.FILL) {
      return new Dimensions(boxWidth, boxHeight);
    }
    double scale = Math.min((double) boxWidth / sourceWidth, (double) boxHeight / sourceHeight);
    int width = (int) Math.max(1, Math.min(boxWidth, Math.round(sourceWidth * scale)));
    int height = (int) Math.max(1, Math.min(boxHeight, Math.round(sourceHeight * scale)));
    return new Dimensions(width, height);
  }

  record Dimensions(int width, int height) {
  }
}
