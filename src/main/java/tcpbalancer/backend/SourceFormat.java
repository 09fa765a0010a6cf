package tcpbalancer.backend;

import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

/**
 * The format of a source, found from its bytes by ImageIO's readers (the JDK's and TwelveMonkeys'), never from a name:
 * JPEG, PNG, WebP, BMP, TIFF or GIF; any other image format is refused as unsupported.
 */
final class SourceFormat {

  static final String WEBP = "webp";
  static final String BMP = "bmp";
  static final String TIFF = "tiff";
  static final String GIF = "gif";

  private SourceFormat() {
  }

  /** The first reader that recognises the bytes; NOT_AN_IMAGE when none does. */
  static ImageReader readerFor(ImageInputStream input) {
    Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
    if (!readers.hasNext()) {
      throw new StatusException(Status.NOT_AN_IMAGE,
        "the bytes are not an image of a known format (expected JPEG, PNG, WebP, BMP, TIFF or GIF)");
    }
    return readers.next();
  }

  /** The format {@code reader} reads, as this project names it ({@code jpeg}, {@code png}, {@code webp}...). */
  static String of(ImageReader reader) {
    String format;
    try {
      format = reader.getFormatName().toLowerCase(Locale.ROOT);
    } catch (IOException e) {
      throw new StatusException(Status.NOT_AN_IMAGE, "the image format cannot be recognised: " + e.getMessage(), e);
    }
    return switch (format) {
      case "jpeg", "jpg" -> ImageResizer.JPEG;
      case ImageResizer.PNG -> ImageResizer.PNG;
      case WEBP -> WEBP;
      case BMP -> BMP;
      case "tif", TIFF -> TIFF;
      case GIF -> GIF;
      default -> throw new StatusException(Status.UNSUPPORTED_FORMAT,
        format.toUpperCase(Locale.ROOT) + " images are not supported (only JPEG, PNG, WebP, BMP, TIFF and GIF)");
    };
  }
}
