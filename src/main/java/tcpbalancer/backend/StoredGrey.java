package tcpbalancer.backend;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;

/**
 * Copies a decoded grey image that Java 2D has no grey loop for (grey with alpha, which ImageIO decodes to a custom
 * type) into an sRGB image with the same sample values, so that its tone survives scaling.
 *
 * <p>ImageIO labels PNG grey with the linear {@link ColorSpace#CS_GRAY} space. Java 2D's loops for the standard grey
 * types ignore that label and copy the stored value into red, green and blue, which is what PNG means: grey samples
 * are encoded like sRGB ones. A custom type has no such loop, so drawing it (as imgscalr does, into an int RGB
 * image) goes through the colour model, which converts "linear" grey to sRGB and brightens the image. Copying the
 * samples here gives every grey image the treatment plain grey already gets.
 */
final class StoredGrey {

  private StoredGrey() {
  }

  /** The image itself unless it is a custom-type image in ImageIO's linear grey space; then its samples as sRGB. */
  static BufferedImage asSrgb(BufferedImage image) {
    ColorModel model = image.getColorModel();
    boolean linearGrey = model instanceof ComponentColorModel
      && model.getColorSpace() == ColorSpace.getInstance(ColorSpace.CS_GRAY);
    if (image.getType() != BufferedImage.TYPE_CUSTOM || !linearGrey || model.isAlphaPremultiplied()) {
      return image;
    }
    boolean alpha = model.hasAlpha();
    int width = image.getWidth();
    int height = image.getHeight();
    BufferedImage converted = new BufferedImage(width, height,
      alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    Raster samples = image.getRaster();
    WritableRaster target = converted.getRaster();
    int greyMax = (1 << model.getComponentSize(0)) - 1;
    int alphaMax = alpha ? (1 << model.getComponentSize(1)) - 1 : 0;
    int[] grey = new int[width];
    int[] opacity = new int[width];
    int[] row = new int[width];
    for (int y = 0; y < height; y++) {
      samples.getSamples(0, y, width, 1, 0, grey);
      if (alpha) {
        samples.getSamples(0, y, width, 1, 1, opacity);
      }
      for (int x = 0; x < width; x++) {
        int value = toByte(grey[x], greyMax);
        int a = alpha ? toByte(opacity[x], alphaMax) : 0xFF;
        row[x] = a << 24 | value << 16 | value << 8 | value;
      }
      target.setDataElements(0, y, width, 1, row);
    }
    return converted;
  }

  /** A sample of any depth rounded to 8 bits. */
  private static int toByte(int sample, int max) {
    return (sample * 255 + max / 2) / max;
  }
}
