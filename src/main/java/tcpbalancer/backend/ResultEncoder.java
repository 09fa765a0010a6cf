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
 * Encodes a resized image in the format chosen for it, in the pixels {@link OutputPixels} prepared for that format
 * (grey stays grey; JPEG gets no alpha): a PNG as it is, a JPEG at the request's or the configured quality. Neither
 * writer is given metadata, so results carry none.
 * Thread-safe: it holds no per-image state.
 */
final class ResultEncoder {

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
        writeJpeg(image, output, quality > 0 ? quality / 100f : jpegQuality);
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
}
