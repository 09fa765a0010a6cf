package tcpbalancer.backend;

import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.imaging.jpeg.JpegProcessingException;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifReader;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.imgscalr.Scalr;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

/**
 * Resizes one encoded JPEG or PNG image into another of the same format. Blocking and CPU-heavy: call it
 * only from a worker thread. Thread-safe: it holds no per-image state.
 *
 * <p>Decoding goes through ImageIO with the TwelveMonkeys JPEG plugin (which reads CMYK/YCCK JPEGs the JDK
 * cannot); the EXIF orientation is applied so that results are upright; resizing is imgscalr's
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
  private final DecodeBudget budget;

  public ImageResizer(ResizeWorkerOptions options) {
    this(options, DecodeBudget.HEAP);
  }

  ImageResizer(ResizeWorkerOptions options, DecodeBudget budget) {
    this.budget = budget;
    this.maxPixels = options.maxPixels();
    this.maxResultPixels = options.maxResultPixels();
    this.encoder = new ResultEncoder(options.jpegQuality() / 100f);
  }

  public ResizedImage resize(byte[] encoded, int width, int height, ResizeMode mode) {
    Scaled scaled = scale(encoded, width, height, mode);
    byte[] bytes = encoder.encode(scaled.image(), scaled.format(), scaled.grey());
    return new ResizedImage(bytes, scaled.format(), scaled.image().getWidth(), scaled.image().getHeight());
  }

  /** A decoded, resized and upright image, before encoding; {@code grey} when the source had one channel. */
  record Scaled(BufferedImage image, String format, boolean grey) {
  }

  Scaled scale(byte[] encoded, int width, int height, ResizeMode mode) {
    if (encoded.length == 0) {
      throw new StatusException(Status.EMPTY_IMAGE, "the image is empty (0 bytes)");
    }
    ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded));
    ImageReader reader = readerFor(input);
    try {
      String format = formatOf(reader);
      Orientation orientation = JPEG.equals(format) ? orientationOf(encoded) : Orientation.NORMAL;
      // Resize before rotating (fewer pixels to turn), so a sideways image is fitted into the turned box.
      int boxWidth = orientation.swapsAxes() ? height : width;
      int boxHeight = orientation.swapsAxes() ? width : height;
      Decoded decoded = decode(reader, input, encoded, format, boxWidth, boxHeight, mode);
      try {
        return scale(decoded, format, orientation);
      } finally {
        decoded.reservation().close(); // the decoded image and its copies are garbage from here
      }
    } finally {
      reader.dispose();
    }
  }

  private Scaled scale(Decoded decoded, String format, Orientation orientation) {
    BufferedImage source = decoded.image();
    boolean grey = source.getColorModel().getNumColorComponents() == 1 && !source.getColorModel().hasAlpha();
    // imgscalr's drawing would brighten grey with alpha: its samples are copied as sRGB first (see StoredGrey).
    BufferedImage scalable = StoredGrey.asSrgb(source);
    BufferedImage resized = resize(scalable, decoded.target());
    source.flush();
    scalable.flush();
    return new Scaled(orientation.apply(resized), format, grey);
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

  private static ImageReader readerFor(ImageInputStream input) {
    Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
    if (!readers.hasNext()) {
      throw new StatusException(Status.NOT_AN_IMAGE, "the bytes are not an image of a known format (expected JPEG or PNG)");
    }
    return readers.next();
  }

  private static String formatOf(ImageReader reader) {
    String format;
    try {
      format = reader.getFormatName().toLowerCase(Locale.ROOT);
    } catch (IOException e) {
      throw new StatusException(Status.NOT_AN_IMAGE, "the image format cannot be recognised: " + e.getMessage(), e);
    }
    return switch (format) {
      case "jpeg", "jpg" -> JPEG;
      case PNG -> PNG;
      default -> throw new StatusException(Status.UNSUPPORTED_FORMAT,
        format.toUpperCase(Locale.ROOT) + " images are not supported (only JPEG and PNG)");
    };
  }

  /**
   * The decoded source and the result's size. The size comes from the header, not from the decoded (perhaps
   * subsampled) image, whose rounded dimensions would round the result a second time.
   */
  private record Decoded(BufferedImage image, Dimensions target, DecodeBudget.Reservation reservation) {
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
    DecodeBudget.Reservation reservation = null;
    try {
      int width = reader.getWidth(0);
      int height = reader.getHeight(0);
      checkPixels("the image is", new Dimensions(width, height), maxPixels);
      Dimensions target = targetSize(width, height, boxWidth, boxHeight, mode);
      checkPixels("the result would be", target, maxResultPixels);
      ImageReadParam param = reader.getDefaultReadParam();
      int step = subsampling(width, height, target);
      if (step > 1) {
        param.setSourceSubsampling(step, step, 0, 0);
      }
      long decodedPixels = (long) ((width + step - 1) / step) * ((height + step - 1) / step);
      reservation = budget.reserve(DecodeBudget.need(decodedPixels, (long) target.width() * target.height()));
      if (JPEG.equals(format) && firstScanSuffices(reader, encoded, width, height, target)) {
        byte[] firstScan = ProgressiveJpeg.firstScanOnly(encoded);
        if (firstScan != null) {
          reader.setInput(new MemoryCacheImageInputStream(new ByteArrayInputStream(firstScan)), true, true);
        }
      }
      BufferedImage image = reader.read(0, param);
      for (String warning : warnings) {
        if (warning.toLowerCase(Locale.ROOT).contains("premature end")) {
          throw new StatusException(Status.CORRUPT_IMAGE, "the image is truncated: " + warning);
        }
      }
      return new Decoded(image, target, reservation);
    } catch (StatusException e) {
      release(reservation);
      throw e; // already says why
    } catch (IOException | RuntimeException e) {
      release(reservation);
      throw new StatusException(Status.CORRUPT_IMAGE, "the image cannot be decoded: " + describe(e), e);
    }
  }

  private static void release(DecodeBudget.Reservation reservation) {
    if (reservation != null) {
      reservation.close();
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
    if (mode == ResizeMode.EXACT) {
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
