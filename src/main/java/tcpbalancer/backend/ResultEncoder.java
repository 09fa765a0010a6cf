package tcpbalancer.backend;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

/**
 * Encodes a resized image in the format chosen for it: a PNG as it is; a JPEG at the request's or the configured
 * quality, grey when the source had one channel, and drawn opaque when the image has alpha, which JPEG cannot hold
 * ({@link OutputPixels} flattens it onto white first). Neither writer is given metadata, so results carry none.
 * Thread-safe: it holds no per-image state.
 */
final class ResultEncoder {

  private final float jpegQuality;

  /** {@code jpegQuality} from 0 to 1, as ImageIO's JPEG writer takes it. */
  ResultEncoder(float jpegQuality) {
    this.jpegQuality = jpegQuality;
  }

  byte[] encode(BufferedImage image, String format, boolean grey) {
    return encode(image, format, grey, 0);
  }

  /** {@code quality}: a request's JPEG quality, 1..100, or 0 for the configured one. */
  byte[] encode(BufferedImage image, String format, boolean grey, int quality) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream output = new MemoryCacheImageOutputStream(bytes)) {
      if (ImageResizer.JPEG.equals(format)) {
        writeJpeg(grey ? convert(image, BufferedImage.TYPE_BYTE_GRAY) : opaque(image), output,
          quality > 0 ? quality / 100f : jpegQuality);
      } else if (!ImageIO.write(image, ImageResizer.PNG, output)) {
        throw new StatusException(Status.INTERNAL_ERROR, "no PNG writer is available");
      }
    } catch (IOException e) {
      throw new StatusException(Status.INTERNAL_ERROR, "the result cannot be encoded: " + e.getMessage(), e);
    }
    return bytes.toByteArray();
  }

  private void writeJpeg(BufferedImage image, MemoryCacheImageOutputStream output, float quality) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName(ImageResizer.JPEG).next();
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

  /** JPEG has no alpha channel: an image with one is drawn onto an opaque one. */
  private static BufferedImage opaque(BufferedImage image) {
    return image.getColorModel().hasAlpha() ? convert(image, BufferedImage.TYPE_INT_RGB) : image;
  }

  private static BufferedImage convert(BufferedImage image, int type) {
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
}
