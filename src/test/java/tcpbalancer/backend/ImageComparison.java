package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** Decoding results and comparing what two images show, for the resize tests. */
final class ImageComparison {

  /** What a fully transparent pixel shows in {@link #psnr}: mid-grey, so that its stored colour does not count. */
  static final int MID_GREY = 0x808080;
  static final int WHITE = 0xFFFFFF;

  private ImageComparison() {
  }

  static BufferedImage decode(byte[] bytes) {
    try {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
      assertThat(image).as("the result decodes").isNotNull();
      return image;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The format ImageIO finds in {@code bytes} (from their content), lower case: {@code jpeg}, {@code png}... */
  static String formatFound(byte[] bytes) {
    try (ImageInputStream input = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
      assertThat(readers.hasNext()).as("a reader recognises the result").isTrue();
      String name = readers.next().getFormatName().toLowerCase(Locale.ROOT);
      return name.equals("jpg") ? "jpeg" : name;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Peak signal-to-noise ratio of what two images of the same size show over {@code background} (each pixel
   * composed onto it by its alpha); for opaque images this is the plain PSNR over the colour channels.
   */
  static double psnr(BufferedImage a, BufferedImage b, int background) {
    assertThat(a.getWidth()).as("width").isEqualTo(b.getWidth());
    assertThat(a.getHeight()).as("height").isEqualTo(b.getHeight());
    double squaredError = 0;
    long samples = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        int p = shown(a, x, y);
        int q = shown(b, x, y);
        for (int shift = 0; shift < 24; shift += 8) {
          double difference = seen(p, shift, background) - seen(q, shift, background);
          squaredError += difference * difference;
          samples++;
        }
      }
    }
    return squaredError == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / (squaredError / samples));
  }

  /**
   * A pixel as ARGB. Grey samples are taken as stored: PNG and JPEG grey is encoded like sRGB, but ImageIO labels it
   * with Java's linear grey space, through which {@code getRGB} would brighten it.
   */
  static int shown(BufferedImage image, int x, int y) {
    ColorModel model = image.getColorModel();
    if (!(model instanceof ComponentColorModel) || model.getNumColorComponents() != 1) {
      return image.getRGB(x, y);
    }
    Raster raster = image.getRaster();
    int grey = toByte(raster.getSample(x, y, 0), model.getComponentSize(0));
    int alpha = model.hasAlpha() ? toByte(raster.getSample(x, y, 1), model.getComponentSize(1)) : 0xFF;
    return alpha << 24 | grey << 16 | grey << 8 | grey;
  }

  private static int toByte(int sample, int bits) {
    int max = (1 << bits) - 1;
    return (sample * 255 + max / 2) / max;
  }

  private static double seen(int argb, int shift, int background) {
    double alpha = (argb >>> 24) / 255.0;
    return ((argb >> shift) & 0xFF) * alpha + ((background >> shift) & 0xFF) * (1 - alpha);
  }
}
