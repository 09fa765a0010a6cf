package tcpbalancer.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Finds the images of an input folder (not its subfolders): files whose extension is {@code .jpg},
 * {@code .jpeg} or {@code .png}, and files whose first bytes are a JPEG or PNG signature whatever their name.
 * Everything else is skipped. Blocking: call it off the event loop. Whether an image is valid is the backend's
 * call: a {@code .jpg} of random bytes is sent, and refused with a reason.
 */
public final class ImageScanner {

  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  private static final byte[] JPEG_SIGNATURE = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};

  /** The images to send and the names of the files skipped, both sorted by name. */
  public record Result(List<ImageFile> images, List<String> skipped) {
  }

  private ImageScanner() {
  }

  public static Result scan(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      throw new IOException("input folder " + folder + " does not exist or is not a folder");
    }
    List<ImageFile> images = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.sorted().toList()) {
        if (!Files.isRegularFile(file)) {
          continue;
        }
        String name = file.getFileName().toString();
        String format = formatOf(file, name);
        if (format == null) {
          skipped.add(name);
        } else {
          images.add(new ImageFile(file, name, format, Files.size(file)));
        }
      }
    }
    return new Result(List.copyOf(images), List.copyOf(skipped));
  }

  private static String formatOf(Path file, String name) throws IOException {
    byte[] head = new byte[PNG_SIGNATURE.length];
    int read;
    try (InputStream in = Files.newInputStream(file)) {
      read = in.readNBytes(head, 0, head.length);
    }
    if (read >= PNG_SIGNATURE.length && Arrays.equals(head, PNG_SIGNATURE)) {
      return "png";
    }
    if (read >= JPEG_SIGNATURE.length && Arrays.equals(Arrays.copyOf(head, JPEG_SIGNATURE.length), JPEG_SIGNATURE)) {
      return "jpeg";
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".jpg") || lower.endsWith(".jpeg")) {
      return "jpeg";
    }
    return lower.endsWith(".png") ? "png" : null;
  }
}
