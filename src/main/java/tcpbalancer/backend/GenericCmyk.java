package tcpbalancer.backend;

import com.twelvemonkeys.imageio.color.ColorSpaces;
import java.awt.Point;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;

/**
 * Turns the CMYK samples libjpeg-turbo decodes from a CMYK or YCCK JPEG without a colour profile into RGB as
 * TwelveMonkeys' JPEG reader does for the same file, so that both paths give the same pixels: the samples inverted
 * (Adobe stores inks inverted, and libjpeg's YCCK to CMYK keeps them so; TwelveMonkeys' reader inverts them), then
 * converted through TwelveMonkeys' "generic" CMYK profile where one is configured, and otherwise (TwelveMonkeys 3.12
 * bundles none) by the plain formula its reader then uses (its {@code FastCMYKToRGB}, which is not public): each
 * colour is 255 - (ink x (255 - K) / 255 + K). libjpeg-turbo decodes at a reduced size first, so the conversion
 * runs on a few times the result's pixels instead of the whole image.
 */
final class GenericCmyk {

  private GenericCmyk() {
  }

  /** {@code cmyk}, libjpeg's 4 bytes a pixel in rows of {@code width} (overwritten), as an RGB image. */
  static BufferedImage toRgb(byte[] cmyk, int width, int height) {
    for (int i = 0; i < cmyk.length; i++) {
      cmyk[i] = (byte) ~cmyk[i];
    }
    ColorSpace generic = ColorSpaces.getColorSpace(ColorSpaces.CS_GENERIC_CMYK);
    if (generic instanceof ICC_ColorSpace) {
      Raster source = Raster.createInterleavedRaster(new DataBufferByte(cmyk, cmyk.length), width, height,
        width * 4, 4, new int[] {0, 1, 2, 3}, new Point());
      BufferedImage rgb = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
      new ColorConvertOp(generic, rgb.getColorModel().getColorSpace(), null).filter(source, rgb.getRaster());
      return rgb;
    }
    BufferedImage rgb = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int[] pixels = ((DataBufferInt) rgb.getRaster().getDataBuffer()).getData();
    for (int p = 0, i = 0; p < pixels.length; p++, i += 4) {
      int k = cmyk[i + 3] & 0xFF;
      pixels[p] = colour(cmyk[i], k) << 16 | colour(cmyk[i + 1], k) << 8 | colour(cmyk[i + 2], k);
    }
    return rgb;
  }

  private static int colour(byte ink, int k) {
    return 255 - ((ink & 0xFF) * (255 - k) / 255 + k);
  }
}
