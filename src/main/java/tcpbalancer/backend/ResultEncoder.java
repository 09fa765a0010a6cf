package tcpbalancer.backend;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

/**
 * Encodes a resized image in the format chosen for it, in the pixels {@link OutputPixels} prepared for that format
 * (grey stays grey; JPEG gets no alpha): a PNG as it is (deflated quickly), a JPEG at the request's or the configured
 * quality. Neither writer is given metadata, so results carry none. A writer is looked up per image: keeping one
 * per worker saved 0.06 of a JPEG's 0.9 ms. Thread-safe: it holds no per-image state.
 */
final class ResultEncoder {

  /**
   * PNG results are deflated at level 1, not the JDK's default 4: a quarter less time for a 200 px result, and the
   * JDK's filter chosen per row keeps them no larger than libvips's own (level 6, no filter): flower 71 KB against
   * vips's 74, meadow 85 against 86 (bench/RESULTS.md, "Branch `resize`").
   */
  private static final float PNG_DEFLATE_LEVEL_1 = 8 / 9f;

  private final float jpegQuality;

  /** {@code jpegQuality} from 0 to 1, as ImageIO's JPEG writer takes it. */
  ResultEncoder(float jpegQuality) {
    this.jpegQuality = jpegQuality;
  }

  byte[] encode(BufferedImage image, String format) {
    return encode(image, format, 0);
  }

  /** {@code quality}: a request's JPEG quality, 1..100, or 0 for the configured one. */
  byte[] encode(BufferedImage image, String format, int quality) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream output = new MemoryCacheImageOutputStream(bytes)) {
      if (ImageResizer.JPEG.equals(format)) {
        write(image, ImageResizer.JPEG, output, quality > 0 ? quality / 100f : jpegQuality);
      } else {
        write(image, ImageResizer.PNG, output, PNG_DEFLATE_LEVEL_1);
      }
    } catch (IOException e) {
      throw new StatusException(Status.INTERNAL_ERROR, "the result cannot be encoded: " + e.getMessage(), e);
    }
    return bytes.toByteArray();
  }

  /** {@code quality}: a JPEG's quality; for a PNG, the JDK's writer deflates at level 9 - round(9 x quality). */
  private static void write(BufferedImage image, String format, MemoryCacheImageOutputStream output, float quality)
    throws IOException {
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(format);
    if (!writers.hasNext()) {
      throw new StatusException(Status.INTERNAL_ERROR, "no " + format + " writer is available");
    }
    ImageWriter writer = writers.next();
    try {
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality);
      writer.setOutput(output);
      writer.write(null, new IIOImage(image, null, null), param);
    } finally {
      writer.dispose();
    }
  }
}
