package tcpbalancer.client;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Names of result files: {@code NAME-WxH.EXT} in the output folder. Built only from the client's own file name
 * (never from what an answer says), reduced to safe characters, and checked to stay inside the folder.
 */
public final class OutputNames {

  private OutputNames() {
  }

  /** The result's path for {@code inputName} resized to {@code width}x{@code height} in {@code format}. */
  public static Path resultPath(Path outputFolder, String inputName, int width, int height, String format) {
    String base = inputName.substring(Math.max(inputName.lastIndexOf('/'), inputName.lastIndexOf('\\')) + 1);
    String extension = "";
    int dot = base.lastIndexOf('.');
    if (dot > 0) {
      extension = base.substring(dot + 1).toLowerCase(Locale.ROOT);
      base = base.substring(0, dot);
    }
    if (!matches(extension, format)) {
      extension = format.equals("png") ? "png" : "jpg";
    }
    String name = safe(base) + "-" + width + "x" + height + "." + extension;
    Path folder = outputFolder.toAbsolutePath().normalize();
    Path result = folder.resolve(name).normalize();
    if (!folder.equals(result.getParent())) {
      throw new IllegalArgumentException("result name " + name + " would leave the output folder");
    }
    return result;
  }

  private static boolean matches(String extension, String format) {
    return format.equals("png") ? extension.equals("png") : extension.equals("jpg") || extension.equals("jpeg");
  }

  /** Letters, digits, '-', '_' and '.' only; no leading dot (no hidden files, no ".."). */
  static String safe(String base) {
    String cleaned = base.replaceAll("[^\\p{L}\\p{N}._-]", "_").replaceAll("^\\.+", "_");
    return cleaned.isEmpty() ? "image" : cleaned;
  }
}
