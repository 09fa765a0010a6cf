package tcpbalancer.client;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Names of result files: {@code STEM-WxH.EXT} in the output folder. The stem is built only from the client's own
 * file name (never from what an answer says), reduced to safe characters, and checked to stay inside the folder.
 * Inputs whose names reduce to one result name get numbered stems ({@link #uniqueStems}), so no result replaces
 * another, not even on a case-insensitive disk.
 */
public final class OutputNames {

  private OutputNames() {
  }

  /** The result's path for {@code inputName} resized to {@code width}x{@code height} in {@code format}. */
  public static Path resultPath(Path outputFolder, String inputName, int width, int height, String format) {
    return resultPath(outputFolder, inputName, safe(stemOf(inputName)), width, height, format);
  }

  /** Like {@link #resultPath(Path, String, int, int, String)}, with a stem from {@link #uniqueStems}. */
  public static Path resultPath(Path outputFolder, String inputName, String stem, int width, int height,
                                String format) {
    String name = safe(stem) + "-" + width + "x" + height + "." + extension(inputName, format);
    Path folder = outputFolder.toAbsolutePath().normalize();
    Path result = folder.resolve(name).normalize();
    if (!folder.equals(result.getParent())) {
      throw new IllegalArgumentException("result name " + name + " would leave the output folder");
    }
    return result;
  }

  /**
   * The stems of the results of {@code inputNames} (in that order, each with its format), unique however a disk
   * compares names: the first input of a name keeps its safe stem, the next get {@code -2}, {@code -3}, ... (never
   * a stem another input has of its own). Results differ only by stem and extension, as an image's size is the
   * same every round, so every round writes an image to the same name.
   */
  public static List<String> uniqueStems(List<String> inputNames, List<String> formats) {
    List<String> stems = new ArrayList<>();
    Set<String> natural = new HashSet<>();
    for (int i = 0; i < inputNames.size(); i++) {
      natural.add(key(safe(stemOf(inputNames.get(i))), extension(inputNames.get(i), formats.get(i))));
    }
    Set<String> taken = new HashSet<>();
    for (int i = 0; i < inputNames.size(); i++) {
      String stem = safe(stemOf(inputNames.get(i)));
      String extension = extension(inputNames.get(i), formats.get(i));
      String unique = stem;
      for (int n = 2; taken.contains(key(unique, extension)) || (n > 2 && natural.contains(key(unique, extension)));
           n++) {
        unique = stem + "-" + n;
      }
      taken.add(key(unique, extension));
      stems.add(unique);
    }
    return stems;
  }

  private static String key(String stem, String extension) {
    return (stem + "." + extension).toLowerCase(Locale.ROOT);
  }

  /**
   * The format a backend answers in for a source of {@code sourceFormat}: a JPEG stays JPEG and every other source
   * becomes a PNG, unless the request names the format.
   */
  public static String resultFormat(String sourceFormat, tcpbalancer.protocol.OutputFormat output) {
    return switch (output) {
      case JPEG -> "jpeg";
      case PNG -> "png";
      case SAME -> "jpeg".equals(sourceFormat) ? "jpeg" : "png";
    };
  }

  /** The file name without folders and extension. */
  private static String stemOf(String inputName) {
    String base = inputName.substring(Math.max(inputName.lastIndexOf('/'), inputName.lastIndexOf('\\')) + 1);
    int dot = base.lastIndexOf('.');
    return dot > 0 ? base.substring(0, dot) : base;
  }

  /** The input's own extension (lower case) when it fits the format, else the format's. */
  private static String extension(String inputName, String format) {
    String base = inputName.substring(Math.max(inputName.lastIndexOf('/'), inputName.lastIndexOf('\\')) + 1);
    int dot = base.lastIndexOf('.');
    String extension = dot > 0 ? base.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
    boolean fits = format.equals("png") ? extension.equals("png") : extension.equals("jpg") || extension.equals("jpeg");
    return fits ? extension : format.equals("png") ? "png" : "jpg";
  }

  /** Letters, digits, '-', '_' and '.' only; no leading dot (no hidden files, no ".."). */
  static String safe(String base) {
    String cleaned = base.replaceAll("[^\\p{L}\\p{N}._-]", "_").replaceAll("^\\.+", "_");
    return cleaned.isEmpty() ? "image" : cleaned;
  }
}
