package tcpbalancer.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Finds the images of an input folder (not its subfolders): files whose extension is {@code .jpg},
 * {@code .jpeg} or {@code .png}, and files whose first bytes are a JPEG or PNG signature whatever their name.
 * Everything else is skipped and listed, including what is not a regular file (a FIFO, a link to a device), which
 * is never opened: reading one could block or never end. Subfolders are left out without a word. Blocking: call
 * it off the event loop. Whether an image is valid is the backend's call: a {@code .jpg} of random bytes is sent,
 * and refused with a reason.
 */
public final class ImageScanner {

  /** The images to send and the names of the files skipped, both sorted by name. */
  public record Result(List<ImageFile> images, List<String> skipped) {
  }

  private ImageScanner() {
  }

  public static Result scan(Path folder) throws IOException {
    if (Files.exists(folder) && !Files.isDirectory(folder)) {
      throw new IOException("input " + folder + " is a file, not a folder: give the folder that holds the images");
    }
    if (!Files.isDirectory(folder)) {
      throw new IOException("input folder " + folder + " does not exist");
    }
    List<Path> paths = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<String> formats = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.sorted().toList()) {
        String name = file.getFileName().toString();
        String format = Files.isRegularFile(file) ? formatOf(file, name) : null;
        if (format != null) {
          paths.add(file);
          names.add(name);
          formats.add(format);
        } else if (!Files.isDirectory(file)) {
          skipped.add(name);
        }
      }
    }
    List<String> stems = OutputNames.uniqueStems(names, formats);
    List<ImageFile> images = new ArrayList<>();
    for (int i = 0; i < paths.size(); i++) {
      images.add(new ImageFile(paths.get(i), names.get(i), formats.get(i), Files.size(paths.get(i)), stems.get(i)));
    }
    return new Result(List.copyOf(images), List.copyOf(skipped));
  }

  private static String formatOf(Path file, String name) throws IOException {
    byte[] head = new byte[ImageSignatures.LONGEST];
    int read;
    try (InputStream in = Files.newInputStream(file)) {
      read = in.readNBytes(head, 0, head.length);
    }
    String signed = ImageSignatures.formatOf(head, read);
    if (signed != null) {
      return signed;
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".jpg") || lower.endsWith(".jpeg")) {
      return "jpeg";
    }
    return lower.endsWith(".png") ? "png" : null;
  }
}
