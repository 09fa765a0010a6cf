package tcpbalancer.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import tcpbalancer.protocol.OutputFormat;

/**
 * Finds the images of an input folder (not its subfolders): files whose first bytes are the signature of a format
 * the backends read (JPEG, PNG, WebP, BMP, TIFF, GIF: {@link ImageSignatures}) whatever their name, and files whose
 * extension names one of these formats.
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

  /** The file name extensions that make a file without a known signature an image to send, and its format. */
  private static final Map<String, String> EXTENSIONS = Map.of("jpg", "jpeg", "jpeg", "jpeg", "png", "png",
    "webp", "webp", "bmp", "bmp", "tif", "tiff", "tiff", "tiff", "gif", "gif");

  /** The images of {@code folder}, with result names for results in the source's format. */
  public static Result scan(Path folder) throws IOException {
    return scan(folder, OutputFormat.SAME);
  }

  /** The images of {@code folder}, with unique result names for results in {@code output}. */
  public static Result scan(Path folder, OutputFormat output) throws IOException {
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
    List<String> stems = OutputNames.uniqueStems(names,
      formats.stream().map(format -> OutputNames.resultFormat(format, output)).toList());
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
    int dot = name.lastIndexOf('.');
    return dot < 0 ? null : EXTENSIONS.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }
}
