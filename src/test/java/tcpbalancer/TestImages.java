package tcpbalancer;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;

/**
 * The images tests use: ../shared/bench-images and ../shared/bad-images beside the project when present
 * (CI has them), else the project's own samples/ (bad images are then skipped by the tests that need them). The
 * system property {@code tcpbalancer.shared} names another folder for them (a checkout elsewhere, a worktree).
 */
public final class TestImages {

  private static final Path SHARED = Path.of(System.getProperty("tcpbalancer.shared", "../shared"));

  private TestImages() {
  }

  /** Real photographs: JPEG and PNG, with the cases a resizer must handle. */
  public static List<Path> benchImages() {
    Path shared = SHARED.resolve("bench-images");
    return images(Files.isDirectory(shared) ? shared : Path.of("samples"));
  }

  /**
   * A progressive JPEG with the JDK's (libjpeg's) default scan script, made from the forest photo (2560x1600),
   * so that tests of progressive reads do not depend on ../shared.
   */
  public static byte[] progressiveJpeg() {
    try {
      BufferedImage image = ImageIO.read(benchImage("forest-path_").toFile());
      ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (var output = ImageIO.createImageOutputStream(bytes)) {
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        writer.setOutput(output);
        writer.write(null, new IIOImage(image, null, null), param);
      } finally {
        writer.dispose();
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A made-up picture of the given size (a gradient with noise, so it does not compress to nothing), encoded. */
  public static byte[] synthetic(int width, int height, String format) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Random noise = new Random(width * 31L + height);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int shade = (x * 255 / width + noise.nextInt(32)) & 0xFF;
        image.setRGB(x, y, shade << 16 | (y * 255 / height) << 8 | noise.nextInt(256));
      }
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, bytes)) {
        throw new IllegalArgumentException("no writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public static Path badImagesDir() {
    return SHARED.resolve("bad-images");
  }

  public static boolean haveBadImages() {
    return Files.isDirectory(badImagesDir());
  }

  public static Path benchImage(String prefix) {
    return benchImages().stream()
      .filter(p -> p.getFileName().toString().startsWith(prefix))
      .findFirst()
      .orElseThrow(() -> new IllegalStateException("no test image named " + prefix + "*"));
  }

  public static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String formatOf(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".png") ? "png" : "jpeg";
  }

  private static List<Path> images(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().matches("(?i).*\\.(jpe?g|png)$")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
