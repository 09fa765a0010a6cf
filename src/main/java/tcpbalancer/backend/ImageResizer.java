package tcpbalancer.backend;

import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.imaging.jpeg.JpegProcessingException;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifReader;
import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
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
 * ({@link CropToFill}); a decoded image over 1.5 times the result each way is first area-averaged down to that
 * ({@link BoxShrink}, libvips's shrink and reduce); resizing is then imgscalr's {@link Scalr.Method#ULTRA_QUALITY}.
 * {@link SourceDecoder} reads a source much larger than the result subsampled, down to at least
 * {@link SourceDecoder#OVERSAMPLING} times the result's size, and a progressive JPEG at least 8 times larger is read from its first scan only
 * ({@link ProgressiveJpeg}): most of the decoding and scaling work is skipped, and a test keeps the result close to
 * a full-size resize.
 */
public final class ImageResizer {

  static final String JPEG = "jpeg";
  static final String PNG = "png";

  private final SourceDecoder decoder;
  private final ResultEncoder encoder;

  public ImageResizer(ResizeWorkerOptions options) {
    this(options, DecodeBudget.HEAP);
  }

  ImageResizer(ResizeWorkerOptions options, DecodeBudget budget) {
    this.decoder = new SourceDecoder(options.maxPixels(), options.maxResultPixels(), budget,
      TurboJpegDecoder.ifAvailable(options.nativeJpeg()).orElse(null));
    this.encoder = new ResultEncoder(options.jpegQuality() / 100f);
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
    byte[] bytes = encoder.encode(pixels, format, quality);
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
    // Read from the array itself: a MemoryCacheImageInputStream would copy it, 8 KB at a time, as it is read.
    ImageInputStream input = new ByteArrayImageInputStream(encoded);
    ImageReader reader = SourceFormat.readerFor(input);
    try {
      String format = SourceFormat.of(reader);
      Orientation orientation = JPEG.equals(format) ? orientationOf(encoded) : Orientation.NORMAL;
      // Resize before rotating (fewer pixels to turn), so a sideways image is fitted into the turned box.
      int boxWidth = orientation.swapsAxes() ? height : width;
      int boxHeight = orientation.swapsAxes() ? width : height;
      SourceDecoder.Decoded decoded;
      // libjpeg's native buffers for a progressive JPEG are freed when its decoding ends (JpegCoefficientBudget)
      try (JpegCoefficientBudget.Hold coefficients = JPEG.equals(format) ? JpegCoefficientBudget.NATIVE.hold(encoded)
        : JpegCoefficientBudget.NOTHING) {
        decoded = decoder.decode(reader, input, encoded, format, boxWidth, boxHeight, mode);
      }
      stages.decoded(decoded.decoder());
      try {
        return scale(decoded, encoded, format, orientation, stages);
      } finally {
        decoded.reservation().close(); // the decoded image and its copies are garbage from here
      }
    } finally {
      reader.dispose();
    }
  }

  private Scaled scale(SourceDecoder.Decoded decoded, byte[] encoded, String format, Orientation orientation,
                       ResizeStages stages) {
    BufferedImage source = decoded.image();
    boolean grey = source.getColorModel().getNumColorComponents() == 1;
    ColourConversion.Deferred colour = ColourConversion.defer(source,
      PNG.equals(format) ? PngProfile.of(encoded) : null);
    // imgscalr's drawing would brighten grey with alpha: its samples are copied as sRGB first (see StoredGrey).
    BufferedImage scalable = BoxShrink.toward(StoredGrey.asSrgb(colour.image()), decoded.target());
    BufferedImage resized = colour.toSrgb(resize(scalable, decoded.target()));
    source.flush();
    scalable.flush();
    Scaled scaled = new Scaled(orientation.apply(resized), format, grey);
    stages.scaled();
    return scaled;
  }

  /**
   * imgscalr's ULTRA_QUALITY method takes the fine bicubic steps (a seventh off each) from at most one and a half
   * times the result's size ({@link BoxShrink} brought it there), where they show.
   */
  private static BufferedImage resize(BufferedImage source, Dimensions target) {
    BufferedImage resized = Scalr.resize(source, Scalr.Method.ULTRA_QUALITY, Scalr.Mode.FIT_EXACT, target.width(),
      target.height());
    if (resized.getWidth() != target.width() || resized.getHeight() != target.height()) {
      // imgscalr's incremental steps take a seventh off each way, rounded down: a side of 6 pixels or fewer never
      // shrinks, and the loop stops short of the target. One direct step finishes the way.
      BufferedImage nearly = resized;
      resized = Scalr.resize(nearly, Scalr.Method.BALANCED, Scalr.Mode.FIT_EXACT, target.width(), target.height());
      nearly.flush();
    }
    return resized;
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
