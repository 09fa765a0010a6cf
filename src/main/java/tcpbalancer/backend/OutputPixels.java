package tcpbalancer.backend;

import java.awt.Color;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;

/**
 * The resized image in the pixels its output format holds: a grey source stays grey (PNG grey or grey with alpha,
 * JPEG grey); JPEG has no alpha, so an image with alpha is flattened onto white for it, as a page shows it.
 */
final class OutputPixels {

  private OutputPixels() {
  }

  static BufferedImage forFormat(BufferedImage image, String format, boolean grey) {
    boolean alpha = image.getColorModel().hasAlpha();
    if (ImageResizer.JPEG.equals(format)) {
      BufferedImage opaque = alpha ? onWhite(image) : image;
      return grey ? drawn(opaque, BufferedImage.TYPE_BYTE_GRAY) : opaque;
    }
    if (!grey) {
      return image;
    }
    return alpha ? greyWithAlpha(image) : drawn(image, BufferedImage.TYPE_BYTE_GRAY);
  }

  private static BufferedImage onWhite(BufferedImage image) {
    BufferedImage flat = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
    var graphics = flat.createGraphics();
    try {
      graphics.setColor(Color.WHITE);
      graphics.fillRect(0, 0, image.getWidth(), image.getHeight());
      graphics.drawImage(image, 0, 0, null);
    } finally {
      graphics.dispose();
    }
    return flat;
  }

  /** Java 2D's RGB-to-grey loops weigh the channels, which keeps a grey pixel's value (red = green = blue). */
  private static BufferedImage drawn(BufferedImage image, int type) {
    if (image.getType() == type) {
      return image;
    }
    BufferedImage converted = new BufferedImage(image.getWidth(), image.getHeight(), type);
    var graphics = converted.createGraphics();
    try {
      graphics.drawImage(image, 0, 0, null);
    } finally {
      graphics.dispose();
    }
    return converted;
  }

  /**
   * Grey and alpha samples copied from an ARGB image whose red, green and blue are equal. Java 2D has no grey+alpha
   * type to draw into; ImageIO's PNG writer writes these samples as PNG's grey+alpha colour type, as stored.
   */
  private static BufferedImage greyWithAlpha(BufferedImage image) {
    ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY),
      new int[] {8, 8}, true, false, Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
    int width = image.getWidth();
    WritableRaster raster = model.createCompatibleWritableRaster(width, image.getHeight());
    int[] argb = new int[width];
    int[] samples = new int[width * 2];
    for (int y = 0; y < image.getHeight(); y++) {
      image.getRGB(0, y, width, 1, argb, 0, width);
      for (int x = 0; x < width; x++) {
        samples[2 * x] = argb[x] >> 8 & 0xFF; // green: the channel grey weighs most, equal to the others here
        samples[2 * x + 1] = argb[x] >>> 24;
      }
      raster.setPixels(0, y, width, 1, samples);
    }
    return new BufferedImage(model, raster, false, null);
  }
}
