package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.imgscalr.Scalr;

/** The quality bound of resizing: how close a result is to imgscalr's ultra-quality resize of the full image. */
final class Psnr {

  private Psnr() {
  }

  /**
   * The reference a result of {@code width} x {@code height} (as shown) is held to: the source fully decoded by
   * ImageIO, resized with imgscalr's ULTRA_QUALITY, turned a quarter clockwise when {@code sideways} (EXIF 6).
   */
  static BufferedImage reference(byte[] source, int width, int height, boolean sideways) throws IOException {
    BufferedImage full = ImageIO.read(new ByteArrayInputStream(source));
    BufferedImage reference = Scalr.resize(full, Scalr.Method.ULTRA_QUALITY, Scalr.Mode.FIT_EXACT,
      sideways ? height : width, sideways ? width : height);
    return sideways ? Scalr.rotate(reference, Scalr.Rotation.CW_90) : reference;
  }

  /**
   * Peak signal-to-noise ratio of what two images of the same size show: each pixel is composed over mid-grey by
   * its alpha (the colour of a fully transparent pixel, which nobody sees, does not count).
   */
  static double of(BufferedImage a, BufferedImage b) {
    assertThat(a.getWidth()).isEqualTo(b.getWidth());
    assertThat(a.getHeight()).isEqualTo(b.getHeight());
    double squaredError = 0;
    long samples = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        int p = a.getRGB(x, y);
        int q = b.getRGB(x, y);
        for (int shift = 0; shift < 24; shift += 8) {
          double difference = seen(p, shift) - seen(q, shift);
          squaredError += difference * difference;
          samples++;
        }
      }
    }
    return squaredError == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / (squaredError / samples));
  }

  private static double seen(int argb, int shift) {
    double alpha = (argb >>> 24) / 255.0;
    return ((argb >> shift) & 0xFF) * alpha + 128 * (1 - alpha);
  }
}
